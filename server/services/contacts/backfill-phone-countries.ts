import { and, isNotNull, isNull, notInArray, sql } from "drizzle-orm";
import { contacts } from "@/db/schema";
import { phoneCountry } from "@/server/lib/addresses";
import { decryptOptional } from "@/server/lib/crypto";
import { pgTextArray } from "@/server/lib/pg-array";
import type { JobContext } from "../context";

const DEFAULT_BATCH_SIZE = 500;

/**
 * Derives `contacts.phone_country` (segments' `country`) for contacts written before the column
 * existed: phones are encrypted, so the country is read from the decrypted number here, 500 rows
 * per statement, each page in its own short transaction. When nothing is missing this is one query
 * on an empty partial index. A number without a country (or that does not decrypt) is skipped for
 * the rest of the run. Idempotent; not audited (it derives an index).
 */
export async function backfillPhoneCountries({
  ctx,
  input = {},
}: {
  ctx: JobContext;
  input?: { batchSize?: number };
}): Promise<{ filled: number; skipped: number }> {
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const skipped: string[] = [];
  let filled = 0;
  for (;;) {
    const page = await ctx.db
      .select({ id: contacts.id, phone: contacts.phoneCiphertext })
      .from(contacts)
      .where(
        and(
          isNull(contacts.phoneCountry),
          isNotNull(contacts.phoneCiphertext),
          isNull(contacts.erasedAt),
          skipped.length ? notInArray(contacts.id, skipped) : undefined,
        ),
      )
      .limit(batchSize);
    if (page.length === 0) break;
    const ids: string[] = [];
    const countries: string[] = [];
    for (const row of page) {
      let country: string | undefined;
      try {
        const phone = decryptOptional(row.phone, "contact.phone");
        country = phone ? phoneCountry(phone) : undefined;
      } catch {
        country = undefined;
      }
      if (!country) {
        skipped.push(row.id);
        continue;
      }
      ids.push(row.id);
      countries.push(country);
    }
    if (ids.length === 0) continue;
    await ctx.db.transaction(async (tx) => {
      await tx.execute(sql`
        update contacts as c set phone_country = u.country
          from unnest(${pgTextArray(ids)}::uuid[], ${pgTextArray(countries)}::text[]) as u(id, country)
         where c.id = u.id and c.phone_country is null`);
    });
    filled += ids.length;
  }
  return { filled, skipped: skipped.length };
}
