import { and, isNotNull, isNull, notInArray, or, sql } from "drizzle-orm";
import { contacts } from "@/db/schema";
import { decryptOptional } from "@/server/lib/crypto";
import { pgTextArray } from "@/server/lib/pg-array";
import type { JobContext } from "../context";
import { contactSearchTokens } from "./search-tokens";

const DEFAULT_BATCH_SIZE = 500;

/**
 * Fills the search index of contacts written before it existed (or by anything that left it
 * empty): every contact that is not erased, has a name or an email, and has no tokens gets
 * `contactSearchTokens` of its decrypted names and email, 500 rows per statement, each page in
 * its own short transaction, so it can run at start-up while the app serves requests.
 *
 * When nothing is missing this is one query answered by the GIN index on `search_tokens` (its
 * `=` on the empty array), so start-up pays almost nothing. A row changed by another writer
 * between the read and the write (its `xmin` moved) is read again (its writer has usually set its
 * tokens by then). A row that yields no token (a name made only of punctuation, no email) or does not
 * decrypt (a key no longer configured) is skipped for the rest of the run and counted.
 * Idempotent; not audited (it derives an index, nothing a person or the API changed).
 */
export async function backfillSearchTokens({
  ctx,
  input = {},
}: {
  ctx: JobContext;
  input?: { batchSize?: number };
}): Promise<{ filled: number; skipped: number }> {
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const skipped: string[] = [];
  const missed = new Map<string, number>();
  let filled = 0;
  for (;;) {
    const page = await ctx.db
      .select({
        id: contacts.id,
        workspaceId: contacts.workspaceId,
        firstName: contacts.firstNameCiphertext,
        lastName: contacts.lastNameCiphertext,
        email: contacts.emailCiphertext,
        version: sql<string>`${contacts}.xmin::text`,
      })
      .from(contacts)
      .where(
        and(
          sql`${contacts.searchTokens} = '{}'::text[]`,
          isNull(contacts.erasedAt),
          or(
            isNotNull(contacts.firstNameCiphertext),
            isNotNull(contacts.lastNameCiphertext),
            isNotNull(contacts.emailCiphertext),
          ),
          skipped.length ? notInArray(contacts.id, skipped) : undefined,
        ),
      )
      .limit(batchSize);
    if (page.length === 0) break;

    const ids: string[] = [];
    const versions: string[] = [];
    const tokenLists: string[] = [];
    for (const row of page) {
      let tokens: string[];
      try {
        tokens = contactSearchTokens(row.workspaceId, {
          firstName: decryptOptional(row.firstName, "contact.first_name"),
          lastName: decryptOptional(row.lastName, "contact.last_name"),
          email: decryptOptional(row.email, "contact.email"),
        });
      } catch {
        tokens = [];
      }
      if (tokens.length === 0) {
        skipped.push(row.id);
        continue;
      }
      ids.push(row.id);
      versions.push(row.version);
      tokenLists.push(tokens.join(","));
    }
    if (ids.length) {
      const written = await ctx.db.transaction(async (tx) => {
        const result = (await tx.execute(sql`
          update contacts as c set search_tokens = string_to_array(u.st, ',')
            from unnest(${pgTextArray(ids)}::uuid[], ${pgTextArray(versions)}::text[], ${pgTextArray(tokenLists)}::text[])
                 as u(id, version, st)
           where c.id = u.id and c.xmin::text = u.version and c.search_tokens = '{}'::text[]
          returning c.id::text as id`)) as unknown;
        const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { id: string }[];
        return new Set(rows.map((r) => r.id));
      });
      filled += written.size;
      // A row another writer changed in between and left empty is read again on a later page,
      // once: a row that keeps changing under the backfill is left to its writers.
      for (const id of ids) {
        if (written.has(id)) continue;
        const misses = (missed.get(id) ?? 0) + 1;
        missed.set(id, misses);
        if (misses > 1) skipped.push(id);
      }
    }
  }
  // Fresh statistics, so the next start-up's check reads the index rather than the table.
  if (filled > 0) await ctx.db.execute(sql`analyze contacts`);
  return { filled, skipped: skipped.length };
}
