ALTER TABLE "suppressions" ADD COLUMN "address_ciphertext" text;--> statement-breakpoint
ALTER TABLE "suppressions" ADD COLUMN "actor_type" text;--> statement-breakpoint
ALTER TABLE "suppressions" ADD COLUMN "actor_id" text;--> statement-breakpoint
CREATE INDEX "suppressions_created_idx" ON "suppressions" USING btree ("workspace_id","created_at","id");--> statement-breakpoint
CREATE INDEX "suppressions_id_idx" ON "suppressions" USING btree ("id");