ALTER TABLE "imports" ADD COLUMN "last_line" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "run_id" uuid;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "file_hash" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "provider_batch_key" text;--> statement-breakpoint
CREATE INDEX "imports_running_idx" ON "imports" USING btree ("heartbeat_at") WHERE "imports"."status" = 'running';--> statement-breakpoint
CREATE INDEX "messages_provider_batch_key_idx" ON "messages" USING btree ("provider_batch_key") WHERE "messages"."provider_batch_key" is not null;