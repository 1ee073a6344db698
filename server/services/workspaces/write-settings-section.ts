import { eq, sql } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type Queryable, type ServiceContext } from "../context";
import { invalidateSendContext } from "../messages/send-context-cache";

/** What `writeSettingsSection` writes: one top-level key of `workspaces.settings`. */
export interface SettingsSectionWrite<T extends object> {
  /** The key of `workspaces.settings` (`profile`, `messaging`, `tracking`, `sms`, …). */
  key: string;
  /** The new value, already validated by the caller. */
  value: T;
  /**
   * Merge `value` into the object under `key` (keys of that section not in `value` survive),
   * instead of replacing it whole.
   */
  merge?: boolean;
  /** Audit action, e.g. `workspace.profile_updated`. */
  action: string;
  /** The section before the change, read from the locked row (the audit's `before`). */
  before: (row: { settings: Record<string, unknown>; defaultRegion: string }) => object;
  /** Checks made inside the transaction, before anything is written; throw to refuse. */
  check?: (tx: Queryable) => Promise<void>;
}

/**
 * Writes one section of the workspace's settings: locks the workspace row, runs the caller's
 * checks, writes only `settings[key]` (a JSON merge on the row, so other sections written
 * concurrently survive), and records the audit entry with before and after, in one transaction.
 * Callers check access and validate first. The send context cache is dropped afterwards, since
 * every section may shape how the next message is sent.
 */
export async function writeSettingsSection<T extends object>(
  ctx: ServiceContext,
  write: SettingsSectionWrite<T>,
): Promise<T> {
  const json = JSON.stringify(write.value);
  const saved = await inTransaction(ctx.db, async (tx) => {
    const [row] = await tx
      .select({ settings: workspaces.settings, defaultRegion: workspaces.defaultRegion })
      .from(workspaces)
      .where(eq(workspaces.id, ctx.workspaceId))
      .for("update");
    if (!row) throw notFound("Workspace");
    await write.check?.(tx);
    const section = write.merge
      ? sql`coalesce(case when jsonb_typeof(${workspaces.settings} -> ${write.key}) = 'object'
                          then ${workspaces.settings} -> ${write.key} end, '{}'::jsonb) || ${json}::jsonb`
      : sql`${json}::jsonb`;
    await tx
      .update(workspaces)
      .set({
        settings: sql`${workspaces.settings} || jsonb_build_object(${write.key}::text, ${section})`,
        updatedAt: ctx.now(),
      })
      .where(eq(workspaces.id, ctx.workspaceId));
    await writeAudit(tx, ctx, {
      action: write.action,
      targetType: "workspace",
      targetId: ctx.workspaceId,
      before: { ...write.before(row) } as Record<string, unknown>,
      after: { ...write.value } as Record<string, unknown>,
    });
    return write.value;
  });
  invalidateSendContext(ctx.workspaceId);
  return saved;
}
