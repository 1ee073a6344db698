import { forms } from "@/db/schema";
import { randomToken } from "@/server/lib/hashing";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { checkTopics, insertVersion } from "./form-rows";
import { getForm } from "./get-form";
import { ZCreateFormInput, type TCreateFormInput, type TFormDetail } from "./schemas";

/**
 * Creates a hosted form with version 1. The key in its public URL is random (72 bits), so forms
 * cannot be enumerated. Topics must belong to the workspace and be reachable by the form's
 * fields → INVALID naming `definition.topicIds`. Audited.
 */
export async function createForm({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCreateFormInput;
}): Promise<TFormDetail> {
  const { name, definition } = ZCreateFormInput.parse(input);
  const id = await inTransaction(ctx.db, async (tx) => {
    await checkTopics(tx, ctx.workspaceId, definition);
    const now = ctx.now();
    const [form] = await tx
      .insert(forms)
      .values({
        workspaceId: ctx.workspaceId,
        key: randomToken(9),
        name,
        currentVersion: 1,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const version = await insertVersion(tx, ctx, form!.id, 1, definition);
    await writeAudit(tx, ctx, {
      action: "form.created",
      targetType: "form",
      targetId: form!.id,
      after: {
        name,
        version: 1,
        topicIds: definition.topicIds,
        doubleOptIn: definition.doubleOptIn,
        consentTextHash: version.consentTextHash,
      },
    });
    return form!.id;
  });
  return getForm({ ctx, input: { id } });
}
