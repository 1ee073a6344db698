ALTER TABLE "messages" ADD COLUMN "variant" text;--> statement-breakpoint
ALTER TABLE "campaign_recipients" ADD COLUMN "variant" text;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "ab_test" jsonb;--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_runs_ab_test_key" ON "campaign_runs" USING btree ("campaign_id") WHERE "campaign_runs"."kind" = 'ab_test' and "campaign_runs"."status" <> 'cancelled';--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_runs_ab_remainder_key" ON "campaign_runs" USING btree ("campaign_id") WHERE "campaign_runs"."kind" = 'ab_remainder';