import type { ServiceContext } from "../context";
import { readCounters } from "../counters/read-counters";

/**
 * Tags in use in the workspace with how many contacts carry each, most used first (the list's tag
 * filter): from the page counters (one row per tag), not by unnesting every contact's tags.
 */
export async function listContactTags({ ctx }: { ctx: ServiceContext }): Promise<{ tag: string; count: number }[]> {
  const counters = await readCounters(ctx.db, ctx.workspaceId, "tag");
  return [...counters]
    .filter(([, count]) => count > 0)
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0))
    .slice(0, 200);
}
