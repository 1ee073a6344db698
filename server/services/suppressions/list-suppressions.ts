import { and, desc, eq, gte, lt, sql, type SQL } from "drizzle-orm";
import { suppressions } from "@/db/schema";
import { invalid } from "@/server/lib/errors";
import { rangeInstants } from "@/server/shared/analytics";
import type { ServiceContext } from "../context";
import { workspaceSettingsOf } from "../campaigns/runs";
import { parseInput } from "./parse";
import { resolveSuppressionAddress, selectSuppressions, toSuppression } from "./rows";
import { ZListSuppressionsInput, type TListSuppressionsInput, type TSuppressionPage } from "./schemas";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt)) || !UUID.test(id))
    throw invalid("The cursor is not one this list returned", "cursor");
  return { createdAt: new Date(createdAt).toISOString(), id };
}

/**
 * The workspace's suppression list, newest first, a page at a time (keyset on created_at, id).
 * `address` finds an exact address through its blind index (normalised like contacts'), `reason`,
 * `channel` and the days `from`/`to` (workspace time zone) filter. Addresses are always masked.
 */
export async function listSuppressions({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TListSuppressionsInput;
}): Promise<TSuppressionPage> {
  const { address, reason, channel, from, to, cursor, limit } = parseInput(ZListSuppressionsInput, input);
  if (from && to && from > to) throw invalid("`from` must be on or before `to`", "from");
  const filters: (SQL | undefined)[] = [
    eq(suppressions.workspaceId, ctx.workspaceId),
    reason ? eq(suppressions.reason, reason) : undefined,
    channel ? eq(suppressions.channel, channel) : undefined,
  ];
  if (address) {
    const resolved = await resolveSuppressionAddress(ctx.db, ctx.workspaceId, address, channel);
    filters.push(eq(suppressions.addressHash, resolved.hash), eq(suppressions.channel, resolved.channel));
  }
  if (from || to) {
    const { messaging } = await workspaceSettingsOf(ctx.db, ctx.workspaceId);
    if (from) filters.push(gte(suppressions.createdAt, rangeInstants({ from, to: from }, messaging.timezone).start));
    if (to) filters.push(lt(suppressions.createdAt, rangeInstants({ from: to, to }, messaging.timezone).end));
  }
  if (cursor) {
    const after = decodeCursor(cursor);
    filters.push(
      sql`(${suppressions.createdAt}, ${suppressions.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`,
    );
  }
  const rows = await selectSuppressions(ctx.db, and(...filters))
    .orderBy(desc(suppressions.createdAt), desc(suppressions.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    items: page.map(toSuppression),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}
