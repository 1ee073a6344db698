-- consent_events stays append-only, with one exception: the evidence that identifies a person
-- (ip, its source, user agent, note, and the `sealed` ciphertext that holds them) may be stripped
-- from the rows of a contact already marked erased: at erasure, and by the retention purge (which
-- also declares itself with set_config('optin.consent_evidence_purge', 'on', true); either
-- condition is enough once the contact is erased). Every other column, and every other key of the
-- evidence (url, textHash, formVersion, providerMessageId, messageId), must stay as it was. Deletes
-- and truncates are still refused.
CREATE OR REPLACE FUNCTION "consent_events_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
    AND NEW.evidence = OLD.evidence - ARRAY['sealed', 'ip', 'ipSource', 'userAgent', 'note']
    AND (to_jsonb(NEW) - 'evidence') = (to_jsonb(OLD) - 'evidence')
    AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = OLD.contact_id AND c.erased_at IS NOT NULL)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'consent_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
