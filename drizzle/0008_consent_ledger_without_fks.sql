ALTER TABLE "consent_events" DROP CONSTRAINT "consent_events_workspace_id_workspaces_id_fk";
--> statement-breakpoint
ALTER TABLE "consent_events" DROP CONSTRAINT "consent_events_contact_id_contacts_id_fk";
--> statement-breakpoint
ALTER TABLE "consent_events" DROP CONSTRAINT "consent_events_topic_id_topics_id_fk";
--> statement-breakpoint
ALTER TABLE "consent_states" DROP CONSTRAINT "consent_states_workspace_id_workspaces_id_fk";
--> statement-breakpoint
ALTER TABLE "consent_states" DROP CONSTRAINT "consent_states_contact_id_contacts_id_fk";
--> statement-breakpoint
ALTER TABLE "consent_states" DROP CONSTRAINT "consent_states_topic_id_topics_id_fk";
