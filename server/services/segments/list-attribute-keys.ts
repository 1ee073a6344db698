import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { contacts } from "@/db/schema";
import type { ServiceContext } from "../context";

/** Contacts sampled (the newest) and keys answered: enough for a picker, bounded on large workspaces. */
const SAMPLE = 5000;
const MAX_KEYS = 200;

/**
 * The attribute keys in use on the workspace's newest contacts, sorted: what the segment builder
 * offers under Attributes (any other key can still be typed). Keys only, never values. Not audited.
 */
export async function listAttributeKeys({ ctx }: { ctx: ServiceContext }): Promise<string[]> {
  const recent = ctx.db
    .select({ attributes: contacts.attributes })
    .from(contacts)
    .where(
      and(
        eq(contacts.workspaceId, ctx.workspaceId),
        isNull(contacts.erasedAt),
        sql`jsonb_typeof(${contacts.attributes}) = 'object'`,
      ),
    )
    .orderBy(desc(contacts.createdAt))
    .limit(SAMPLE)
    .as("recent");
  const rows = await ctx.db
    .selectDistinct({ key: sql<string>`jsonb_object_keys(${recent.attributes})`.as("key") })
    .from(recent)
    .orderBy(sql`1`)
    .limit(MAX_KEYS);
  return rows.map((r) => r.key);
}
