import { and, eq } from "drizzle-orm";
import { contacts, workspaces } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { emailLookupKey, normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { blindIndex, decryptOptional } from "@/server/lib/crypto";
import { invalid, notFound } from "@/server/lib/errors";
import type { TContact } from "./schemas";

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
  const [row] = await db
    .select({ region: workspaces.defaultRegion })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
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

export async function getContactRow(db: Queryable, workspaceId: string, id: string): Promise<ContactRow> {
  const [row] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.id, id), eq(contacts.workspaceId, workspaceId)));
  if (!row) throw notFound("Contact");
  return row;
}
