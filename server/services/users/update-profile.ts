import { eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { requireUser } from "./require-user";

export const ZUpdateProfileInput = z.object({ name: z.string().trim().min(1, "Name is required").max(100) });

/** Renames the signed-in user. Audited in every workspace they belong to (names are not PII-logged). */
export async function updateProfile({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZUpdateProfileInput>;
}) {
  const userId = requireUser(ctx.actor);
  const { name } = ZUpdateProfileInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    await tx.update(users).set({ name, updatedAt: ctx.now() }).where(eq(users.id, userId));
    await writeAudit(tx, ctx, {
      action: "user.profile_updated",
      targetType: "user",
      targetId: userId,
      after: { name: true },
    });
    return { name };
  });
}
