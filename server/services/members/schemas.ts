import { z } from "zod";
import { ROLES } from "@/db/schema";

export const ZRole = z.enum(ROLES);

export const ZMember = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string().nullable(),
  role: ZRole,
  joinedAt: z.date(),
  lastSignInAt: z.date().nullable(),
});
export type TMember = z.infer<typeof ZMember>;
