-- consent_events stays append-only, with one exception: erasing a contact (GDPR) may strip the
-- evidence that identifies the person (ip, its source, user agent, note, and the `sealed`
-- ciphertext that holds them) from that contact's rows. Every other column, and every other key of
-- the evidence (url, textHash, formVersion, providerMessageId, messageId), must stay as it was, and
-- the contact must already be marked erased. Deletes and truncates are still refused.
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
