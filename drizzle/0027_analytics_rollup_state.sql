CREATE TABLE "analytics_rollup_state" (
	"workspace_id" uuid PRIMARY KEY NOT NULL,
	"timezone" text NOT NULL,
	"consent_from_day" date,
	"rolled_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "analytics_rollup_state" ADD CONSTRAINT "analytics_rollup_state_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consent_events_workspace_recorded_idx" ON "consent_events" USING btree ("workspace_id","recorded_at");