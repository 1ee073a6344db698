CREATE TABLE "counter_deltas" (
	"workspace_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"delta" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "counter_totals" (
	"workspace_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "counter_totals_workspace_id_kind_key_pk" PRIMARY KEY("workspace_id","kind","key")
);
--> statement-breakpoint
CREATE INDEX "counter_deltas_workspace_kind_idx" ON "counter_deltas" USING btree ("workspace_id","kind","key");--> statement-breakpoint
CREATE INDEX "messages_sending_idx" ON "messages" USING btree ("updated_at") WHERE "messages"."status" = 'sending';--> statement-breakpoint
CREATE INDEX "messages_expiry_idx" ON "messages" USING btree ("expires_at") WHERE "messages"."status" in ('queued', 'deferred') and "messages"."expires_at" is not null;