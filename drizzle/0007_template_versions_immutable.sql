-- A template version is what a message was rendered from: immutable once written. Editing makes a
-- new version; restoring copies an old one into a new version. (Deletes only happen by cascade
-- when a whole workspace goes away.)
CREATE OR REPLACE FUNCTION "template_versions_refuse_update"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'template_versions are immutable: UPDATE refused'
    USING ERRCODE = 'insufficient_privilege';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "template_versions_immutable"
  BEFORE UPDATE ON "template_versions"
  FOR EACH ROW EXECUTE FUNCTION "template_versions_refuse_update"();
