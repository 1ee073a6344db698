import { eq } from "drizzle-orm";
import { z } from "zod";
import { workspaces } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { invalidateSendContext } from "../messages/send-context-cache";
import { toWorkspace } from "./rows";
import type { TWorkspace } from "./schemas";

export const ZUpdateWorkspaceInput = z.object({
  name: z.string().trim().min(1, "Name is required").max(100),
  defaultRegion: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, "Use a two-letter country code such as US or GB")
    .transform((v) => v.toUpperCase()),
});
export type TUpdateWorkspaceInput = z.infer<typeof ZUpdateWorkspaceInput>;

/** Renames the workspace / changes its default region. Audited with before and after. */
export async function updateWorkspace({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateWorkspaceInput;
}): Promise<TWorkspace> {
  const values = ZUpdateWorkspaceInput.parse(input);
  const updated = await inTransaction(ctx.db, async (tx) => {
    const [before] = await tx.select().from(workspaces).where(eq(workspaces.id, ctx.workspaceId)).for("update");
    if (!before) throw notFound("Workspace");
    const [after] = await tx
      .update(workspaces)
      .set({ ...values, updatedAt: ctx.now() })
      .where(eq(workspaces.id, ctx.workspaceId))
      .returning();
    await writeAudit(tx, ctx, {
      action: "workspace.updated",
      targetType: "workspace",
      targetId: ctx.workspaceId,
      before: { name: before.name, defaultRegion: before.defaultRegion },
      after: { name: after!.name, defaultRegion: after!.defaultRegion },
    });
    return toWorkspace(after!);
  });
  invalidateSendContext(ctx.workspaceId);
  return updated;
}
