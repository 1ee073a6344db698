import { MESSAGE_PURPOSES, ROLES, type MessagePurpose, type MessageRow, type Role } from "@/db/schema";
import { hasRole, type Actor } from "../context";
import { seesFullPii } from "../contacts/mask-contact";

/**
 * Who may read a message's content (subject, text, HTML) where the admin UI shows it (message
 * detail, the Outbox). Addresses follow the usual masking (`seesFullPii`) everywhere.
 *
 * - A message to a contact (sends, double opt-in confirmations, keyword replies): whoever sees
 *   contacts' personal data in full (marketers and up). A confirmation link only confirms what
 *   the contact asked for, which a marketer could record anyway.
 * - A system message to a member (an invitation, a sign-in link) carries a secret that acts for
 *   that member: only admins and owners read it, and only those whose role in this workspace is
 *   at least the one the recipient holds or was invited to (`options.recipientRole`), so an
 *   admin never reads an owner's sign-in link or an owner invitation. With the log transport the
 *   Outbox is how a fresh install without an email provider reads these. API keys never see them.
 */
export function seesMessageContent(actor: Actor, row: Pick<MessageRow, "kind" | "options">): boolean {
  if (row.kind !== "system") return seesFullPii(actor);
  if (actor.type === "system") return true;
  if (actor.type !== "user") return false;
  const stored = (row.options as { recipientRole?: unknown }).recipientRole;
  // Unknown (never for rows we write): the strictest reading.
  const recipientRole: Role = ROLES.includes(stored as Role) ? (stored as Role) : "owner";
  return hasRole(actor.role, "admin") && hasRole(actor.role, recipientRole);
}

/** What the admin UI says a message is for: a double opt-in confirmation, an invitation, a sign-in link, or null (a send). */
export function messagePurpose(row: Pick<MessageRow, "options">): MessagePurpose | null {
  const purpose = (row.options as { purpose?: unknown }).purpose;
  return MESSAGE_PURPOSES.includes(purpose as MessagePurpose) ? (purpose as MessagePurpose) : null;
}
