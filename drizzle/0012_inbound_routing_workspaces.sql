DROP INDEX "messages_provider_message_id_key";--> statement-breakpoint
CREATE UNIQUE INDEX "messages_inbound_provider_message_id_key" ON "messages" USING btree ("workspace_id","transport","provider_message_id") WHERE "messages"."provider_message_id" is not null and "messages"."direction" = 'inbound';--> statement-breakpoint
CREATE UNIQUE INDEX "messages_provider_message_id_key" ON "messages" USING btree ("transport","provider_message_id") WHERE "messages"."provider_message_id" is not null and "messages"."direction" = 'outbound';--> statement-breakpoint
-- hand-written:
-- Inbound MessageSids are now claimed in webhook_events (provider twilio, dedupe key inbound:<sid>)
-- before anything is recorded. Claim the ones of texts recorded before this migration, so a late
-- Twilio retry of one of them is still recognised as a duplicate.
INSERT INTO "webhook_events" ("workspace_id", "provider", "dedupe_key", "type", "provider_message_id", "payload", "occurred_at", "received_at", "applied_at")
SELECT "workspace_id", 'twilio', 'inbound:' || "provider_message_id", 'inbound', "provider_message_id", '{}'::jsonb, "created_at", "created_at", "created_at"
FROM "messages"
WHERE "direction" = 'inbound' AND "transport" = 'twilio' AND "provider_message_id" IS NOT NULL
ON CONFLICT ("provider", "dedupe_key") DO NOTHING;
