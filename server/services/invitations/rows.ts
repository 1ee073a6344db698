import { z } from "zod";
import type { invitations } from "@/db/schema";
import { ZRole } from "../members/schemas";

export const ZInvitation = z.object({
  id: z.uuid(),
  email: z.string(),
  role: ZRole,
  expiresAt: z.date(),
  createdAt: z.date(),
});
export type TInvitation = z.infer<typeof ZInvitation>;

export function toInvitation(row: typeof invitations.$inferSelect): TInvitation {
  return { id: row.id, email: row.email, role: row.role, expiresAt: row.expiresAt, createdAt: row.createdAt };
}
