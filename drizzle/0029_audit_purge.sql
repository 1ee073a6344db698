-- Retention may delete a workspace's OLDEST audit entries: a DELETE is let through only inside a
-- transaction that declared it with set_config('optin.audit_retention_purge', 'on', true) (the
-- nightly purge-retention job does, and records a checkpoint in audit_checkpoints in the same
-- transaction). UPDATE and TRUNCATE stay refused for every role; a deletion anywhere but at the
-- start of a chain still breaks the hash chain.
CREATE OR REPLACE FUNCTION "audit_log_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND coalesce(current_setting('optin.audit_retention_purge', true), '') = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
