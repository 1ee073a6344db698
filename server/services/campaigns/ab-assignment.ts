import { createHash } from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import { AB_VARIANT_KEYS, type AbVariantKey } from "@/server/shared/enums";

/**
 * A/B test assignment, deterministic: the MD5 of "<campaign id>:<contact id>" gives each contact
 * a bucket (its first 7 hex digits, mod 10,000) and a variant draw (the next 7, mod the variant
 * count). A contact is in the test group when its bucket is below share × 100, and gets the
 * variant of its draw: the same answer on every retry and re-run, computed by the freeze in SQL
 * (`abBucketSql`, `abVariantSql`) and mirrored here in TypeScript for tests.
 */
export const AB_BUCKETS = 10_000;

function digest(campaignId: string, contactId: string): string {
  return createHash("md5").update(`${campaignId}:${contactId}`).digest("hex");
}

/** The contact's bucket (0–9,999). */
export function abBucket(campaignId: string, contactId: string): number {
  return parseInt(digest(campaignId, contactId).slice(0, 7), 16) % AB_BUCKETS;
}

/** The test variant of a contact (whether or not it is in the test group). */
export function abVariant(campaignId: string, contactId: string, variantCount: number): AbVariantKey {
  return AB_VARIANT_KEYS[parseInt(digest(campaignId, contactId).slice(7, 14), 16) % variantCount]!;
}

/** Whether a contact is in the test group of `share` percent. */
export function inAbTestGroup(campaignId: string, contactId: string, share: number): boolean {
  return abBucket(campaignId, contactId) < Math.round(share * 100);
}

const hashOf = (campaignId: string, contactColumn: SQL) =>
  sql`md5(${campaignId}::text || ':' || ${contactColumn}::text)`;

/** SQL: the bucket of the contact in `contactColumn` (as `abBucket`). */
export function abBucketSql(campaignId: string, contactColumn: SQL): SQL {
  return sql`((('x' || substr(${hashOf(campaignId, contactColumn)}, 1, 7))::bit(28)::int) % ${sql.raw(String(AB_BUCKETS))})`;
}

/** SQL: the variant key of the contact in `contactColumn` (as `abVariant`). */
export function abVariantSql(campaignId: string, contactColumn: SQL, variantCount: number): SQL {
  const keys = AB_VARIANT_KEYS.slice(0, variantCount)
    .map((k) => `'${k}'`)
    .join(", ");
  return sql`((array[${sql.raw(keys)}]::text[])[1 + ((('x' || substr(${hashOf(campaignId, contactColumn)}, 8, 7))::bit(28)::int) % ${sql.raw(String(variantCount))})])`;
}
