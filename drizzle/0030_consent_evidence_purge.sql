-- Retention clears the personal evidence (IP address, user agent, note: the `sealed` ciphertext,
-- or those keys in clear on rows older than sealing) left on an erased contact's consent events.
-- The ledger stays append-only for everything else: an UPDATE is let through only inside a
-- transaction that declared it with set_config('optin.consent_evidence_purge', 'on', true), and
-- only when it removes exactly those keys from `evidence` and changes no other column. DELETE and
-- TRUNCATE stay refused for every role.
CREATE OR REPLACE FUNCTION "consent_events_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND coalesce(current_setting('optin.consent_evidence_purge', true), '') = 'on'
     AND (to_jsonb(NEW) - 'evidence') = (to_jsonb(OLD) - 'evidence')
     AND NEW.evidence = OLD.evidence - ARRAY['sealed', 'ip', 'userAgent', 'note'] THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'consent_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
