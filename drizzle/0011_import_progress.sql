ALTER TABLE "imports" ADD COLUMN "last_line" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "run_id" uuid;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "file_hash" text;--> statement-breakpoint
CREATE INDEX "imports_running_idx" ON "imports" USING btree ("heartbeat_at") WHERE "imports"."status" = 'running';