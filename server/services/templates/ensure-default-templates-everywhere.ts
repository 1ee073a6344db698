import { sql } from "drizzle-orm";
import { templates, workspaces } from "@/db/schema";
import { pgTextArray } from "@/server/lib/pg-array";
import type { JobContext } from "../context";
import { DEFAULT_TEMPLATES, ensureDefaultTemplates } from "./defaults";

/**
 * At start-up: every workspace that lacks one of the default templates gets it, so workspaces
 * created before a default was added (e.g. the double opt-in templates) have it too. One query
 * finds them; `ensureDefaultTemplates` does the rest (idempotent, never over an existing key).
 * Returns how many workspaces were looked at. The send paths that need a system template also
 * create it on first use (see `systemTemplateFor`).
 */
export async function ensureDefaultTemplatesEverywhere({ ctx }: { ctx: JobContext }): Promise<number> {
  const { db, now } = ctx;
  const keys = DEFAULT_TEMPLATES.map((t) => t.systemKey);
  const lacking = await db
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(
      sql`(select count(*) from ${templates} t where t.workspace_id = ${workspaces.id} and t.system_key = any(${pgTextArray(keys)}::text[])) < ${keys.length}`,
    );
  for (const { id } of lacking) await ensureDefaultTemplates(db, id, now);
  return lacking.length;
}
