import { and, eq } from "drizzle-orm";
import { contacts } from "@/db/schema";
import type { ServiceContext } from "../context";
import { contactForActor } from "./mask-contact";
import { resolveAddresses, toContact } from "./rows";
import { ZFindContactsInput, type TContact } from "./schemas";

/** Exact lookup by email or phone (normalised the same way as on write); masked for viewers. */
export async function findContacts({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { email?: string; phone?: string };
}): Promise<TContact[]> {
  const parsed = ZFindContactsInput.parse(input);
  const addresses = await resolveAddresses(ctx.db, ctx.workspaceId, parsed);
  const rows = await ctx.db
    .select()
    .from(contacts)
    .where(
      and(
        eq(contacts.workspaceId, ctx.workspaceId),
        addresses.emailHash ? eq(contacts.emailHash, addresses.emailHash) : undefined,
        addresses.phoneHash ? eq(contacts.phoneHash, addresses.phoneHash) : undefined,
      ),
    );
  return rows.map((row) => contactForActor(ctx.actor, toContact(row)));
}
