import { and, eq, or } from "drizzle-orm";
import { consentStates, contacts, type Channel } from "@/db/schema";
import { inTransaction, type ServiceContext } from "../context";
import { resolveAddresses, type ContactRow } from "./rows";
import { upsertContact } from "./upsert-contact";
import type { TContact, TUpsertContactInput } from "./schemas";
import { lockKey } from "@/server/lib/advisory-locks";

export interface SignupInput {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
}

/**
 * The contact each address of an anonymous sign-up (a hosted form) belongs to. Whoever fills in a
 * form proves nothing about the addresses they type, so a sign-up never changes an existing
 * contact's address and never lets consent given for one address cover another:
 *
 * - an address already on file resolves to its contact (email → A, phone → B stay two contacts);
 * - a new address joins the contact matched by the other address only when that contact has no
 *   address on this channel and no consent state on it (filling a gap carries nothing);
 * - otherwise the new address becomes a contact of its own.
 *
 * Names fill gaps only, on every contact used (a stranger typing someone's address must not rename
 * them). An erased contact is never revived (CONFLICT from upsertContact). Runs in the caller's
 * transaction; addresses are locked and matched as upsertContact does.
 */
export async function resolveSignupContacts({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: SignupInput;
}): Promise<Partial<Record<Channel, TContact>>> {
  return inTransaction(ctx.db, async (tx) => {
    const txCtx: ServiceContext = { ...ctx, db: tx };
    const addresses = await resolveAddresses(tx, ctx.workspaceId, input);
    const upsert = async (upsertInput: TUpsertContactInput) =>
      (await upsertContact({ ctx: txCtx, input: upsertInput })).contact;

    let byChannel: Partial<Record<Channel, TContact>>;
    if (!addresses.emailHash || !addresses.phoneHash) {
      const contact = await upsert({ email: input.email, phone: input.phone });
      byChannel = addresses.emailHash ? { email: contact } : { sms: contact };
    } else {
      for (const hash of [addresses.emailHash, addresses.phoneHash].sort()) {
        await lockKey(tx, hash);
      }
      const matches = await tx
        .select()
        .from(contacts)
        .where(
          and(
            eq(contacts.workspaceId, ctx.workspaceId),
            or(eq(contacts.emailHash, addresses.emailHash), eq(contacts.phoneHash, addresses.phoneHash)),
          ),
        );
      const byEmail = matches.find((c) => c.emailHash === addresses.emailHash);
      const byPhone = matches.find((c) => c.phoneHash === addresses.phoneHash);
      const canFill = async (row: ContactRow | undefined, channel: Channel) =>
        row !== undefined &&
        !row.erasedAt &&
        (channel === "email" ? !row.emailHash : !row.phoneHash) &&
        !(await hasConsentOn(tx, row, channel));

      if (byEmail && byPhone && byEmail.id === byPhone.id) {
        const contact = await upsert({ email: input.email, phone: input.phone });
        byChannel = { email: contact, sms: contact };
      } else if (byEmail && byPhone) {
        byChannel = { email: await upsert({ email: input.email }), sms: await upsert({ phone: input.phone }) };
      } else if (
        (byEmail && (await canFill(byEmail, "sms"))) ||
        (byPhone && (await canFill(byPhone, "email"))) ||
        (!byEmail && !byPhone)
      ) {
        const contact = await upsert({ email: input.email, phone: input.phone });
        byChannel = { email: contact, sms: contact };
      } else {
        byChannel = { email: await upsert({ email: input.email }), sms: await upsert({ phone: input.phone }) };
      }
    }

    const names = { firstName: input.firstName || undefined, lastName: input.lastName || undefined };
    const filled = new Map<string, TContact>();
    for (const channel of ["email", "sms"] as const) {
      const contact = byChannel[channel];
      if (!contact) continue;
      const done = filled.get(contact.id);
      if (done) {
        byChannel[channel] = done;
        continue;
      }
      const gaps = {
        ...(names.firstName && !contact.firstName ? { firstName: names.firstName } : {}),
        ...(names.lastName && !contact.lastName ? { lastName: names.lastName } : {}),
      };
      const updated =
        Object.keys(gaps).length > 0
          ? await upsert({
              ...(channel === "email" ? { email: contact.email ?? undefined } : { phone: contact.phone ?? undefined }),
              ...gaps,
            })
          : contact;
      filled.set(contact.id, updated);
      byChannel[channel] = updated;
    }
    return byChannel;
  });
}

async function hasConsentOn(tx: ServiceContext["db"], row: ContactRow, channel: Channel): Promise<boolean> {
  const [state] = await tx
    .select({ topicId: consentStates.topicId })
    .from(consentStates)
    .where(
      and(
        eq(consentStates.workspaceId, row.workspaceId),
        eq(consentStates.contactId, row.id),
        eq(consentStates.channel, channel),
      ),
    )
    .limit(1);
  return Boolean(state);
}
