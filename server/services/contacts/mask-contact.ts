import { maskPhone } from "@/server/lib/addresses";
import { maskEmail } from "@/server/lib/logger";
import type { Actor } from "../context";

/** The personal fields of a contact that a viewer sees masked. */
export interface ContactPii {
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
}

/** `Ann` → `A•••`; empty stays null. */
export function maskName(name: string | null): string | null {
  const trimmed = name?.trim();
  if (!trimmed) return null;
  return `${Array.from(trimmed)[0]}•••`;
}

/**
 * The same contact with its personal fields masked (`a•••@example.com`, `+1 ••• ••• 4567`,
 * `A•••`, attribute values `•••`), everything else untouched. Pure: no I/O, no audit; the caller decides who sees what.
 */
export function maskContact<T extends ContactPii>(contact: T): T {
  const attributes = (contact as { attributes?: unknown }).attributes;
  return {
    ...contact,
    // Attributes may hold anything a workspace chose to store: keys stay visible, values do not.
    ...(attributes && typeof attributes === "object" && !Array.isArray(attributes)
      ? { attributes: Object.fromEntries(Object.keys(attributes).map((key) => [key, "•••"])) }
      : {}),
    email: contact.email ? maskEmail(contact.email) : null,
    phone: contact.phone ? maskPhone(contact.phone) : null,
    firstName: maskName(contact.firstName),
    lastName: maskName(contact.lastName),
  };
}

/**
 * Whether this actor sees contacts' personal data in full. Viewers see it masked (and may reveal
 * one contact at a time, audited); marketers and above, API keys and system actors see it in full.
 */
export function seesFullPii(actor: Actor): boolean {
  return !(actor.type === "user" && actor.role === "viewer");
}
