import { and, eq, or } from "drizzle-orm";
import { contacts, workspaces } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { emailLookupKey, normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { blindIndex, decryptOptional, encryptOptional } from "@/server/lib/crypto";
import { AppError, invalid, notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { withdrawConsentForReplacedAddress } from "../consent/withdraw-replaced-address";
import { inTransaction, type ServiceContext } from "../context";
import { contactForActor } from "./mask-contact";
import { ZFindContactsInput, ZUpsertContactInput, type TContact, type TUpsertContactInput } from "./schemas";
import { lockKey } from "@/server/lib/advisory-locks";

export type ContactRow = typeof contacts.$inferSelect;

/** Decrypts a row into the API shape. */
export function toContact(row: ContactRow): TContact {
  return {
    id: row.id,
    email: decryptOptional(row.emailCiphertext, "contact.email"),
    phone: decryptOptional(row.phoneCiphertext, "contact.phone"),
    firstName: decryptOptional(row.firstNameCiphertext, "contact.first_name"),
    lastName: decryptOptional(row.lastNameCiphertext, "contact.last_name"),
    locale: row.locale,
    timezone: row.timezone,
    attributes: row.attributes,
    tags: row.tags,
    erased: row.erasedAt !== null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function workspaceRegion(db: Queryable, workspaceId: string): Promise<string> {
  const [row] = await db.select({ region: workspaces.defaultRegion }).from(workspaces).where(eq(workspaces.id, workspaceId));
  return row?.region ?? "US";
}

/** Normalised addresses and their blind indexes; INVALID naming the field when one is malformed. */
export async function resolveAddresses(
  db: Queryable,
  workspaceId: string,
  input: { email?: string | null; phone?: string | null },
): Promise<{ email?: string; emailHash?: string; phone?: string; phoneHash?: string }> {
  const out: { email?: string; emailHash?: string; phone?: string; phoneHash?: string } = {};
  if (input.email?.trim()) {
    const email = normalizeEmail(input.email);
    if (!email.ok) throw invalid(`email ${email.reason}`, "email");
    out.email = email.value;
    out.emailHash = blindIndex(workspaceId, "email", emailLookupKey(email.value));
  }
  if (input.phone?.trim()) {
    const phone = normalizePhone(input.phone, await workspaceRegion(db, workspaceId));
    if (!phone.ok) throw invalid(`phone ${phone.reason}`, "phone");
    out.phone = phone.value;
    out.phoneHash = blindIndex(workspaceId, "phone", phone.value);
  }
  return out;
}

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
          firstNameCiphertext: encryptOptional(parsed.firstName, "contact.first_name"),
          lastNameCiphertext: encryptOptional(parsed.lastName, "contact.last_name"),
          locale: parsed.locale ?? null,
          timezone: parsed.timezone ?? null,
          attributes: parsed.attributes ?? {},
          tags: [...new Set(parsed.tags ?? [])],
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

    const [row] = await tx.update(contacts).set(changes).where(eq(contacts.id, existing.id)).returning();
    if (changes.emailHash) await withdrawConsentForReplacedAddress({ ...ctx, db: tx }, { contactId: existing.id, channel: "email" });
    if (changes.phoneHash) await withdrawConsentForReplacedAddress({ ...ctx, db: tx }, { contactId: existing.id, channel: "sms" });
    if (changed.length > 0) {
      await writeAudit(tx, ctx, { action: "contact.updated", targetType: "contact", targetId: existing.id, after: { fields: changed } });
    }
    return { contact: toContact(row!), created: false };
  });
}

export async function getContactRow(db: Queryable, workspaceId: string, id: string): Promise<ContactRow> {
  const [row] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.id, id), eq(contacts.workspaceId, workspaceId)));
  if (!row) throw notFound("Contact");
  return row;
}

/** One contact of this workspace (masked for viewers); another workspace's id is NOT_FOUND. */
export async function getContact({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<TContact> {
  return contactForActor(ctx.actor, toContact(await getContactRow(ctx.db, ctx.workspaceId, input.id)));
}

/** Exact lookup by email or phone (normalised the same way as on write); masked for viewers. */
export async function findContacts({ ctx, input }: { ctx: ServiceContext; input: { email?: string; phone?: string } }): Promise<TContact[]> {
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
