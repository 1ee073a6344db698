import { and, eq, sql, type SQL } from "drizzle-orm";
import { apiKeys, SUPPRESSION_ADDRESS_PURPOSE, suppressions, users, type Channel } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { emailLookupKey, maskPhone, normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { blindIndex, decryptOptional } from "@/server/lib/crypto";
import { invalid } from "@/server/lib/errors";
import { maskEmail } from "@/server/lib/logger";
import { workspaceRegion } from "../contacts/rows";
import type { TSuppression } from "./schemas";

/**
 * An address typed into the suppression list, normalised the way contacts' addresses are and
 * keyed by the same blind index: a value with `@` is an email, anything else a phone number (read
 * in the workspace's default region). With a channel, the address must be one of that channel.
 * A bad address is INVALID naming `address`.
 */
export async function resolveSuppressionAddress(
  db: Queryable,
  workspaceId: string,
  address: string,
  channel?: Channel,
): Promise<{ channel: Channel; address: string; hash: string }> {
  const kind: Channel = channel ?? (address.includes("@") ? "email" : "sms");
  if (kind === "email") {
    const email = normalizeEmail(address);
    if (!email.ok) throw invalid(`address ${email.reason}`, "address");
    return { channel: kind, address: email.value, hash: blindIndex(workspaceId, "email", emailLookupKey(email.value)) };
  }
  if (address.includes("@"))
    throw invalid("address is an email address: SMS suppressions take a phone number", "address");
  const phone = normalizePhone(address, await workspaceRegion(db, workspaceId));
  if (!phone.ok) throw invalid(`address ${phone.reason}`, "address");
  return { channel: kind, address: phone.value, hash: blindIndex(workspaceId, "phone", phone.value) };
}

/** A suppression's address as the list shows it: always masked (the list never reveals an address). */
export function maskedAddress(channel: Channel, ciphertext: string | null): string | null {
  const address = decryptOptional(ciphertext, SUPPRESSION_ADDRESS_PURPOSE);
  if (address === null) return null;
  return channel === "email" ? maskEmail(address) : maskPhone(address);
}

/** The columns of a suppression row with who added it (member, API key), for `toSuppression`. */
export function selectSuppressions(db: Queryable, where: SQL | undefined) {
  return db
    .select({
      id: suppressions.id,
      channel: suppressions.channel,
      reason: suppressions.reason,
      source: suppressions.source,
      note: suppressions.note,
      addressCiphertext: suppressions.addressCiphertext,
      actorType: suppressions.actorType,
      actorId: suppressions.actorId,
      createdAt: suppressions.createdAt,
      userName: users.name,
      userEmail: users.email,
      keyName: apiKeys.name,
    })
    .from(suppressions)
    .leftJoin(users, and(eq(suppressions.actorType, "user"), sql`${users.id}::text = ${suppressions.actorId}`))
    .leftJoin(
      apiKeys,
      and(
        eq(suppressions.actorType, "apiKey"),
        eq(apiKeys.workspaceId, suppressions.workspaceId),
        sql`${apiKeys.id}::text = ${suppressions.actorId}`,
      ),
    )
    .where(where);
}

type SuppressionSelect = Awaited<ReturnType<typeof selectSuppressions>>[number];

function createdBy(row: SuppressionSelect): string | null {
  switch (row.actorType) {
    case "user":
      return row.userName?.trim() || row.userEmail || "a former member";
    case "apiKey":
      return row.keyName ? `API key “${row.keyName}”` : "an API key";
    case "provider":
      return row.actorId;
    case "system":
      return row.actorId ? `system (${row.actorId})` : "system";
    case "contact":
      return "the contact";
    default:
      return null;
  }
}

export function toSuppression(row: SuppressionSelect): TSuppression {
  return {
    id: row.id,
    address: maskedAddress(row.channel, row.addressCiphertext),
    channel: row.channel,
    reason: row.reason,
    source: row.source,
    note: row.note,
    createdAt: row.createdAt,
    createdBy: createdBy(row),
    removable: row.reason !== "erased",
  };
}
