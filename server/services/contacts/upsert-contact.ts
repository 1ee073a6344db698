import { phoneCountry } from "@/server/lib/addresses";
import { and, eq, or } from "drizzle-orm";
import { contacts } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { encryptOptional } from "@/server/lib/crypto";
import { AppError } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { withdrawConsentForReplacedAddress } from "../consent/withdraw-consent-for-replaced-address";
import { inTransaction, type ServiceContext } from "../context";
import { resolveAddresses, toContact } from "./rows";
import { contactSearchTokens } from "./search-tokens";
import { ZUpsertContactInput, type TContact, type TUpsertContactInput } from "./schemas";
import { lockKey } from "@/server/lib/advisory-locks";

/** Serialises writers of the same address in one workspace (both drivers support advisory locks). */
async function lockAddresses(tx: Queryable, hashes: (string | undefined)[]) {
  for (const hash of hashes.filter(Boolean).sort()) {
    await lockKey(tx, hash!);
  }
}

/**
 * Creates or updates the contact with this email or phone. The same person in another format
 * (`(415) 555-2671` vs `+14155552671`, `Ann@Example.com` vs `ann@example.com`) is one contact:
 * addresses are normalised and matched by blind index under an advisory lock, so concurrent
 * upserts cannot create duplicates. When the email and the phone belong to two different
 * contacts → CONFLICT. Attributes are merged, tags added. An erased contact is never revived.
 *
 * Matched by one address with another address that differs from the stored one, the stored
 * address is replaced (authenticated callers only: hosted forms never call this with two
 * addresses that could replace one, see resolveSignupContacts) and the consent given for the
 * replaced address is withdrawn (`address_changed`, withdrawConsentForReplacedAddress): it never
 * covers the new address. Audited (ids and field names only).
 */
export async function upsertContact({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpsertContactInput;
}): Promise<{ contact: TContact; created: boolean }> {
  const parsed = ZUpsertContactInput.parse(input);
  const addresses = await resolveAddresses(ctx.db, ctx.workspaceId, parsed);
  return inTransaction(ctx.db, async (tx) => {
    await lockAddresses(tx, [addresses.emailHash, addresses.phoneHash]);
    const matches = await tx
      .select()
      .from(contacts)
      .where(
        and(
          eq(contacts.workspaceId, ctx.workspaceId),
          or(
            addresses.emailHash ? eq(contacts.emailHash, addresses.emailHash) : undefined,
            addresses.phoneHash ? eq(contacts.phoneHash, addresses.phoneHash) : undefined,
          ),
        ),
      )
      .for("update");
    if (matches.length > 1) {
      throw new AppError("CONFLICT", "This email and this phone belong to two different contacts");
    }
    const existing = matches[0];
    if (existing?.erasedAt) throw new AppError("CONFLICT", "This contact was erased and cannot be recreated");
    const now = ctx.now();

    if (!existing) {
      const [row] = await tx
        .insert(contacts)
        .values({
          workspaceId: ctx.workspaceId,
          emailCiphertext: encryptOptional(addresses.email, "contact.email"),
          emailHash: addresses.emailHash ?? null,
          phoneCiphertext: encryptOptional(addresses.phone, "contact.phone"),
          phoneHash: addresses.phoneHash ?? null,
          phoneCountry: addresses.phone ? (phoneCountry(addresses.phone) ?? null) : null,
          firstNameCiphertext: encryptOptional(parsed.firstName, "contact.first_name"),
          lastNameCiphertext: encryptOptional(parsed.lastName, "contact.last_name"),
          locale: parsed.locale ?? null,
          timezone: parsed.timezone ?? null,
          attributes: parsed.attributes ?? {},
          tags: [...new Set(parsed.tags ?? [])],
          searchTokens: contactSearchTokens(ctx.workspaceId, {
            firstName: parsed.firstName,
            lastName: parsed.lastName,
            email: addresses.email,
          }),
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await writeAudit(tx, ctx, {
        action: "contact.created",
        targetType: "contact",
        targetId: row!.id,
        after: { hasEmail: Boolean(addresses.email), hasPhone: Boolean(addresses.phone) },
      });
      return { contact: toContact(row!), created: true };
    }

    const changes: Partial<typeof contacts.$inferInsert> = { updatedAt: now };
    const changed: string[] = [];
    if (addresses.email && existing.emailHash !== addresses.emailHash) {
      changes.emailCiphertext = encryptOptional(addresses.email, "contact.email");
      changes.emailHash = addresses.emailHash;
      changed.push("email");
    }
    if (addresses.phone && existing.phoneHash !== addresses.phoneHash) {
      changes.phoneCiphertext = encryptOptional(addresses.phone, "contact.phone");
      changes.phoneHash = addresses.phoneHash;
      changes.phoneCountry = phoneCountry(addresses.phone) ?? null;
      changed.push("phone");
    }
    if (parsed.firstName !== undefined) {
      changes.firstNameCiphertext = encryptOptional(parsed.firstName, "contact.first_name");
      changed.push("firstName");
    }
    if (parsed.lastName !== undefined) {
      changes.lastNameCiphertext = encryptOptional(parsed.lastName, "contact.last_name");
      changed.push("lastName");
    }
    if (parsed.locale !== undefined) {
      changes.locale = parsed.locale;
      changed.push("locale");
    }
    if (parsed.timezone !== undefined) {
      changes.timezone = parsed.timezone;
      changed.push("timezone");
    }
    if (parsed.attributes) {
      changes.attributes = { ...existing.attributes, ...parsed.attributes };
      changed.push("attributes");
    }
    if (parsed.tags?.length) {
      changes.tags = [...new Set([...existing.tags, ...parsed.tags])];
      changed.push("tags");
    }

    // The search index follows the names and email as they are after this write.
    const current = toContact(existing);
    const searchTokens = contactSearchTokens(ctx.workspaceId, {
      firstName: parsed.firstName !== undefined ? parsed.firstName : current.firstName,
      lastName: parsed.lastName !== undefined ? parsed.lastName : current.lastName,
      email: changes.emailHash ? addresses.email : current.email,
    });
    if (searchTokens.join(",") !== existing.searchTokens.join(",")) changes.searchTokens = searchTokens;

    const [row] = await tx.update(contacts).set(changes).where(eq(contacts.id, existing.id)).returning();
    if (changes.emailHash)
      await withdrawConsentForReplacedAddress({
        ctx: { ...ctx, db: tx },
        input: { contactId: existing.id, channel: "email" },
      });
    if (changes.phoneHash)
      await withdrawConsentForReplacedAddress({
        ctx: { ...ctx, db: tx },
        input: { contactId: existing.id, channel: "sms" },
      });
    if (changed.length > 0) {
      await writeAudit(tx, ctx, {
        action: "contact.updated",
        targetType: "contact",
        targetId: existing.id,
        after: { fields: changed },
      });
    }
    return { contact: toContact(row!), created: false };
  });
}
