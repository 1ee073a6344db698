import { and, eq, sql } from "drizzle-orm";
import { SUPPRESSION_ADDRESS_PURPOSE, suppressions } from "@/db/schema";
import { decryptPii, encryptPii, keyRingFrom, type KeyRing } from "@/server/lib/crypto";
import { getSecrets } from "@/server/lib/secrets";
import type { JobContext } from "../context";

/**
 * Key rotation for the suppression list's addresses: rewrites every `address_ciphertext` not
 * encrypted with the current key, a page per short transaction (a rewritten row no longer matches,
 * so the loop ends when none is left; a value no key decrypts throws instead of looping).
 * Idempotent; the blind index does not change.
 */
export async function reencryptSuppressions({
  ctx,
  input = {},
}: {
  ctx: JobContext;
  input?: { ring?: KeyRing; batchSize?: number };
}): Promise<{ rewritten: number }> {
  const { ring = keyRingFrom(getSecrets().encryptionKeys), batchSize = 500 } = input;
  const prefix = `v1.${ring.current.id}.%`;
  let rewritten = 0;
  for (;;) {
    const page = await ctx.db
      .select({
        workspaceId: suppressions.workspaceId,
        channel: suppressions.channel,
        addressHash: suppressions.addressHash,
        addressCiphertext: suppressions.addressCiphertext,
      })
      .from(suppressions)
      .where(
        sql`${suppressions.addressCiphertext} is not null and ${suppressions.addressCiphertext} not like ${prefix}`,
      )
      .limit(batchSize);
    if (page.length === 0) break;
    await ctx.db.transaction(async (tx) => {
      for (const row of page) {
        const address = decryptPii(row.addressCiphertext!, SUPPRESSION_ADDRESS_PURPOSE, ring);
        await tx
          .update(suppressions)
          .set({ addressCiphertext: encryptPii(address, SUPPRESSION_ADDRESS_PURPOSE, ring) })
          .where(
            and(
              eq(suppressions.workspaceId, row.workspaceId),
              eq(suppressions.channel, row.channel),
              eq(suppressions.addressHash, row.addressHash),
            ),
          );
      }
    });
    rewritten += page.length;
  }
  return { rewritten };
}
