import { maskPhone } from "@/server/lib/addresses";
import { maskEmail } from "@/server/lib/logger";
import { can, type Actor } from "../context";

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
 * one contact at a time, audited), and so does an API key without `contacts:read` (a key that may
 * only write contacts or send messages); marketers and above, keys with `contacts:read` and
 * system actors see it in full.
 */
export function seesFullPii(actor: Actor): boolean {
  return can({ actor }, { scope: "contacts:read", role: "marketer" });
}

/**
 * The contact as this actor may see it: in full, or masked (see `seesFullPii`). A key that may not
 * read contacts at all (it only writes them) also gets no custom attributes back: they can hold
 * anything the workspace stores about a person.
 */
export function contactForActor<T extends ContactPii & { attributes?: Record<string, unknown> }>(actor: Actor, contact: T): T {
  if (seesFullPii(actor)) return contact;
  const masked = maskContact(contact);
  return actor.type === "apiKey" && masked.attributes ? { ...masked, attributes: {} } : masked;
}

/** Evidence fields that identify a person: the address they acted from, their browser, free text. */
const PERSONAL_EVIDENCE = new Set(["ip", "userAgent", "note"]);

/**
 * Consent evidence as a viewer sees it: `203.0.113.7` → `203.•••`, user agent and note → `•••`;
 * url, form version, provider ids and the consent text hash stay (they identify no one).
 */
export function maskEvidence(evidence: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(evidence).map(([key, value]) => {
      if (!PERSONAL_EVIDENCE.has(key)) return [key, value];
      if (key === "ip") return [key, `${value.split(/[.:]/)[0] ?? ""}${value.includes(":") ? ":" : "."}•••`];
      return [key, "•••"];
    }),
  );
}
