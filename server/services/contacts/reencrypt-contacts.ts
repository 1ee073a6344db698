import { and, asc, gt, or, sql } from "drizzle-orm";
import { contacts } from "@/db/schema";
import { ciphertextKeyId, decryptOptional, encryptOptional, keyRingFrom, type KeyRing } from "@/server/lib/crypto";
import { getSecrets } from "@/server/lib/secrets";
import type { JobContext } from "../context";

const COLUMNS = [
  ["emailCiphertext", "contact.email"],
  ["phoneCiphertext", "contact.phone"],
  ["firstNameCiphertext", "contact.first_name"],
  ["lastNameCiphertext", "contact.last_name"],
] as const;

/**
 * Key rotation: rewrites every contact PII value not encrypted with the current key (the first of
 * ENCRYPTION_KEYS). Pages by id, one short transaction per page, so it can run on a live system and
 * resume after a crash; idempotent (rows already on the current key are skipped). Blind indexes do
 * not change (they are keyed from APP_SECRET).
 */
export async function reencryptContacts({
  ctx,
  input = {},
}: {
  ctx: JobContext;
  /** `ring`: the keys (default: this process's ENCRYPTION_KEYS); `batchSize`: rows per page. */
  input?: { ring?: KeyRing; batchSize?: number };
}): Promise<{ scanned: number; rewritten: number }> {
  const { db } = ctx;
  const { ring = keyRingFrom(getSecrets().encryptionKeys), batchSize = 500 } = input;
  const prefix = `v1.${ring.current.id}.%`;
  const stale = (column: (typeof contacts)[(typeof COLUMNS)[number][0]]) =>
    sql`(${column} is not null and ${column} not like ${prefix})`;
  let cursor: string | undefined;
  let scanned = 0;
  let rewritten = 0;
  for (;;) {
    const page = await db
      .select()
      .from(contacts)
      .where(
        and(cursor ? gt(contacts.id, cursor) : undefined, or(...COLUMNS.map(([column]) => stale(contacts[column])))),
      )
      .orderBy(asc(contacts.id))
      .limit(batchSize);
    if (page.length === 0) break;
    await db.transaction(async (tx) => {
      for (const row of page) {
        const changes: Partial<typeof contacts.$inferInsert> = {};
        for (const [column, purpose] of COLUMNS) {
          const value = row[column];
          if (value && ciphertextKeyId(value) !== ring.current.id) {
            changes[column] = encryptOptional(decryptOptional(value, purpose, ring), purpose, ring);
          }
        }
        if (Object.keys(changes).length > 0) {
          await tx
            .update(contacts)
            .set(changes)
            .where(sql`${contacts.id} = ${row.id}`);
          rewritten += 1;
        }
      }
    });
    scanned += page.length;
    cursor = page[page.length - 1]!.id;
  }
  return { scanned, rewritten };
}
