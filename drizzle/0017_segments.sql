CREATE TYPE "public"."segment_count_status" AS ENUM('pending', 'ready', 'failed', 'timed_out');--> statement-breakpoint
CREATE TABLE "segment_counts" (
	"segment_id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"count" integer,
	"status" "segment_count_status" NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"computed_at" timestamp with time zone,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "segments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"filter" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by_type" text NOT NULL,
	"created_by_id" text,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "phone_country" text;--> statement-breakpoint
ALTER TABLE "segment_counts" ADD CONSTRAINT "segment_counts_segment_id_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."segments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "segment_counts" ADD CONSTRAINT "segment_counts_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "segments" ADD CONSTRAINT "segments_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "segments_workspace_name_key" ON "segments" USING btree ("workspace_id",lower("name")) WHERE "segments"."archived_at" is null;--> statement-breakpoint
CREATE INDEX "segments_workspace_updated_idx" ON "segments" USING btree ("workspace_id","updated_at");--> statement-breakpoint
CREATE INDEX "contacts_workspace_phone_country_idx" ON "contacts" USING btree ("workspace_id","phone_country");