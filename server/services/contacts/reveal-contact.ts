import { z } from "zod";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { getContactRow, toContact } from "./rows";
import type { TContact } from "./schemas";

export const ZRevealContactInput = z.object({ id: z.uuid() });

/**
 * The contact's personal fields in full, for a member who sees them masked (a viewer). Every call
 * writes a `contact.revealed` audit row naming the member and which fields were present (never
 * the values), in the same transaction as the read. Another workspace's id is NOT_FOUND.
 */
export async function revealContact({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZRevealContactInput>;
}): Promise<TContact> {
  const { id } = ZRevealContactInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const contact = toContact(await getContactRow(tx, ctx.workspaceId, id));
    const fields = (["email", "phone", "firstName", "lastName"] as const).filter((field) => contact[field] !== null);
    await writeAudit(tx, ctx, { action: "contact.revealed", targetType: "contact", targetId: id, after: { fields } });
    return contact;
  });
}
