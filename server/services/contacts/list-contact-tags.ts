import { asc, count, desc, eq, sql } from "drizzle-orm";
import { contacts } from "@/db/schema";
import type { ServiceContext } from "../context";

/** Tags in use in the workspace with how many contacts carry each, most used first (the list's tag filter). */
export async function listContactTags({ ctx }: { ctx: ServiceContext }): Promise<{ tag: string; count: number }[]> {
  const tags = ctx.db
    .select({ tag: sql<string>`unnest(${contacts.tags})`.as("tag") })
    .from(contacts)
    .where(eq(contacts.workspaceId, ctx.workspaceId))
    .as("t");
  const rows = await ctx.db
    .select({ tag: tags.tag, count: count() })
    .from(tags)
    .groupBy(tags.tag)
    .orderBy(desc(count()), asc(tags.tag))
    .limit(200);
  return rows.map((r) => ({ tag: r.tag, count: Number(r.count) }));
}
