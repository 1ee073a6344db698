import { and, desc, sql, type SQL } from "drizzle-orm";
import { contacts } from "@/db/schema";
import type { ServiceContext } from "../context";
import { toContact } from "../contacts/rows";
import { maskContact, seesFullPii } from "../contacts/mask-contact";
import { COUNT_STATEMENT_TIMEOUT_MS, withStatementTimeout } from "./count-runner";
import { decodeCursor, encodeCursor } from "./rows";
import { SEGMENT_PREVIEW_PAGE_SIZE, type TSegmentContact, type TSegmentContactsPage } from "./schemas";

/**
 * One page of the contacts satisfying `where` (a compiled segment condition), newest first
 * (keyset on `created_at, id`), shown as the contacts list shows them: masked for viewers and for
 * keys without `contacts:read`. Runs under the count's statement timeout.
 */
export async function previewPage(
  ctx: ServiceContext,
  where: SQL,
  page: { cursor?: string; limit?: number },
): Promise<TSegmentContactsPage> {
  const limit = page.limit ?? SEGMENT_PREVIEW_PAGE_SIZE;
  const after = page.cursor ? decodeCursor(page.cursor) : undefined;
  const rows = await withStatementTimeout(ctx.db, COUNT_STATEMENT_TIMEOUT_MS, (tx) =>
    tx
      .select({
        row: contacts,
        createdAtText: sql<string>`to_char(${contacts.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      })
      .from(contacts)
      .where(
        and(
          where,
          after
            ? sql`(${contacts.createdAt}, ${contacts.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`
            : undefined,
        ),
      )
      .orderBy(desc(contacts.createdAt), desc(contacts.id))
      .limit(limit + 1),
  );
  const masked = !seesFullPii(ctx.actor);
  const items = rows.slice(0, limit).map(({ row }): TSegmentContact => {
    const contact = toContact(row);
    const item: TSegmentContact = {
      id: contact.id,
      email: contact.email,
      phone: contact.phone,
      firstName: contact.firstName,
      lastName: contact.lastName,
      tags: contact.tags,
      erased: contact.erased,
      createdAt: contact.createdAt,
    };
    return masked ? maskContact(item) : item;
  });
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items, nextCursor: last ? encodeCursor(last.createdAtText, last.row.id) : null, masked };
}
