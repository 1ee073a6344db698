CREATE TYPE "public"."message_kind" AS ENUM('marketing', 'transactional', 'system');--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "kind" SET DATA TYPE "public"."message_kind" USING "kind"::text::"public"."message_kind";--> statement-breakpoint
ALTER TABLE "consent_confirmations" ADD COLUMN "message_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "user_id" uuid;--> statement-breakpoint
ALTER TABLE "consent_confirmations" ADD CONSTRAINT "consent_confirmations_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_user_idx" ON "messages" USING btree ("user_id") WHERE "messages"."user_id" is not null;