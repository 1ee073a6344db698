import { phoneCountry } from "@/server/lib/addresses";
import { and, eq, ne } from "drizzle-orm";
import { z } from "zod";
import { contacts } from "@/db/schema";
import { encryptOptional } from "@/server/lib/crypto";
import { AppError, invalid } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { withdrawConsentForReplacedAddress } from "../consent/withdraw-consent-for-replaced-address";
import { inTransaction, type ServiceContext } from "../context";
import { getContactRow, resolveAddresses, toContact } from "./rows";
import { contactSearchTokens } from "./search-tokens";
import { ZLocale, ZTimezone, type TContact } from "./schemas";
import { lockKey } from "@/server/lib/advisory-locks";

const ZTag = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\r\n\0,]+$/, "Tags cannot contain commas or line breaks");
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

/**
 * Edits one contact by id (the admin profile form). Unlike the upsert, which finds people by
 * address, this can change an address. Omitted fields stay as they are; `null` or "" clears one.
 * `tags` replaces the list.
 */
export const ZUpdateContactInput = z.object({
  id: z.uuid(),
  email: optionalText(320),
  phone: optionalText(40),
  firstName: optionalText(100),
  lastName: optionalText(100),
  locale: ZLocale.or(z.literal("")).nullable().optional(),
  timezone: ZTimezone.or(z.literal("")).nullable().optional(),
  tags: z.array(ZTag).max(100).optional(),
});
export type TUpdateContactInput = z.input<typeof ZUpdateContactInput>;

/**
 * Updates a contact's profile. The new address's blind index is locked with the same advisory
 * lock the upsert takes, so an address never ends up on two contacts: one that belongs to another
 * contact → CONFLICT. A contact keeps at least one address (INVALID otherwise); an erased one
 * cannot be edited (CONFLICT). A replaced or removed address takes its consent with it
 * (`address_changed` opt-outs, withdrawConsentForReplacedAddress). Audited with the changed
 * field names only.
 */
export async function updateContact({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateContactInput;
}): Promise<TContact> {
  const parsed = ZUpdateContactInput.parse(input);
  const blank = (value: string | null | undefined) => value === null || value === "";
  const addresses = await resolveAddresses(ctx.db, ctx.workspaceId, {
    email: blank(parsed.email) ? undefined : parsed.email,
    phone: blank(parsed.phone) ? undefined : parsed.phone,
  });
  return inTransaction(ctx.db, async (tx) => {
    for (const hash of [addresses.emailHash, addresses.phoneHash].filter((h): h is string => Boolean(h)).sort()) {
      await lockKey(tx, hash);
    }
    const existing = await getContactRow(tx, ctx.workspaceId, parsed.id);
    if (existing.erasedAt) throw new AppError("CONFLICT", "This contact was erased and cannot be edited");

    const changes: Partial<typeof contacts.$inferInsert> = {};
    const changed: string[] = [];
    for (const [field, hashKey, cipherKey, column] of [
      ["email", "emailHash", "emailCiphertext", "contact.email"],
      ["phone", "phoneHash", "phoneCiphertext", "contact.phone"],
    ] as const) {
      if (parsed[field] === undefined) continue;
      const value = addresses[field];
      const hash = addresses[hashKey];
      if (hash === existing[hashKey]) continue;
      if (hash) {
        const [taken] = await tx
          .select({ id: contacts.id })
          .from(contacts)
          .where(
            and(eq(contacts.workspaceId, ctx.workspaceId), eq(contacts[hashKey], hash), ne(contacts.id, existing.id)),
          );
        if (taken)
          throw new AppError(
            "CONFLICT",
            `Another contact already has this ${field === "email" ? "email address" : "phone number"}`,
            { field },
          );
      }
      changes[cipherKey] = encryptOptional(value, column);
      changes[hashKey] = hash ?? null;
      if (field === "phone") changes.phoneCountry = value ? (phoneCountry(value) ?? null) : null;
      changed.push(field);
    }
    const emailHash = changes.emailHash !== undefined ? changes.emailHash : existing.emailHash;
    const phoneHash = changes.phoneHash !== undefined ? changes.phoneHash : existing.phoneHash;
    if (!emailHash && !phoneHash) throw invalid("A contact needs an email address or a phone number", "email");

    const current = toContact(existing);
    const after = { firstName: current.firstName, lastName: current.lastName };
    for (const [field, cipherKey, column] of [
      ["firstName", "firstNameCiphertext", "contact.first_name"],
      ["lastName", "lastNameCiphertext", "contact.last_name"],
    ] as const) {
      if (parsed[field] === undefined) continue;
      const next = blank(parsed[field]) ? null : parsed[field]!;
      if (next === current[field]) continue;
      changes[cipherKey] = encryptOptional(next ?? undefined, column);
      after[field] = next;
      changed.push(field);
    }
    for (const field of ["locale", "timezone"] as const) {
      if (parsed[field] === undefined) continue;
      const next = blank(parsed[field]) ? null : parsed[field]!;
      if (next === existing[field]) continue;
      changes[field] = next;
      changed.push(field);
    }
    if (parsed.tags) {
      const tags = [...new Set(parsed.tags)];
      if (tags.join("\n") !== existing.tags.join("\n")) {
        changes.tags = tags;
        changed.push("tags");
      }
    }
    if (changed.length === 0) return current;

    // The search index follows the names and email as they are after this write.
    if (
      changes.firstNameCiphertext !== undefined ||
      changes.lastNameCiphertext !== undefined ||
      changes.emailHash !== undefined
    ) {
      changes.searchTokens = contactSearchTokens(ctx.workspaceId, {
        ...after,
        email: changes.emailHash !== undefined ? (addresses.email ?? null) : current.email,
      });
    }

    const [row] = await tx
      .update(contacts)
      .set({ ...changes, updatedAt: ctx.now() })
      .where(eq(contacts.id, existing.id))
      .returning();
    if (changes.emailHash !== undefined)
      await withdrawConsentForReplacedAddress({
        ctx: { ...ctx, db: tx },
        input: { contactId: existing.id, channel: "email" },
      });
    if (changes.phoneHash !== undefined)
      await withdrawConsentForReplacedAddress({
        ctx: { ...ctx, db: tx },
        input: { contactId: existing.id, channel: "sms" },
      });
    await writeAudit(tx, ctx, {
      action: "contact.updated",
      targetType: "contact",
      targetId: existing.id,
      after: { fields: changed },
    });
    return toContact(row!);
  });
}
