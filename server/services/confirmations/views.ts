import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { consentConfirmations } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { maskPhone } from "@/server/lib/addresses";
import type { Clock } from "@/server/lib/clock";
import { decryptOptional } from "@/server/lib/crypto";
import { maskEmail } from "@/server/lib/logger";
import { getContactRow } from "../contacts/rows";
import { hashLinkToken, isWellFormedLinkToken } from "./secrets";
import { confirmationState, confirmationTopics, workspaceName, type ConfirmationRow } from "./shared";

/*
 * What the confirmation pages show: the request behind an emailed link or a texted code, looked
 * up and described for the contact (brand, topics, masked address). Shared by the page's GET and
 * its confirming POST.
 */

export interface LinkConfirmationView {
  status: "pending" | "confirmed" | "expired";
  brand: string;
  /** The workspace that asked (its logo and colour brand the page). */
  workspaceId: string;
  topicNames: string[];
  /** Masked address, e.g. `a•••@example.com`. */
  sentTo: string | null;
}

export async function findByToken(db: Queryable, token: string): Promise<ConfirmationRow | null> {
  if (!isWellFormedLinkToken(token)) return null;
  const [row] = await db
    .select()
    .from(consentConfirmations)
    .where(and(eq(consentConfirmations.secretHash, hashLinkToken(token)), eq(consentConfirmations.method, "link")));
  return row ?? null;
}

export async function linkView(
  db: Queryable,
  row: ConfirmationRow,
  status: LinkConfirmationView["status"],
): Promise<LinkConfirmationView> {
  const contact = await getContactRow(db, row.workspaceId, row.contactId);
  const email = decryptOptional(contact.emailCiphertext, "contact.email");
  return {
    status,
    brand: await workspaceName(db, row.workspaceId),
    workspaceId: row.workspaceId,
    topicNames: (await confirmationTopics(db, row)).map((t) => t.name),
    sentTo: email ? maskEmail(email) : null,
  };
}

export interface CodeConfirmationView {
  status: "pending" | "confirmed" | "expired" | "locked";
  brand: string;
  topicNames: string[];
  sentTo: string | null;
  attemptsLeft: number;
  expiresAt: Date;
  workspaceId: string;
  contactId: string;
}

export async function findCodeRow(db: Queryable, confirmationId: string): Promise<ConfirmationRow | null> {
  if (!z.uuid().safeParse(confirmationId).success) return null;
  const [row] = await db
    .select()
    .from(consentConfirmations)
    .where(and(eq(consentConfirmations.id, confirmationId), eq(consentConfirmations.method, "code")));
  return row ?? null;
}

function codeViewStatus(row: ConfirmationRow, now: Date): CodeConfirmationView["status"] {
  const state = confirmationState(row, now);
  if (state === "open") return "pending";
  if (state === "confirmed") return "confirmed";
  return row.attempts >= row.maxAttempts ? "locked" : "expired";
}

export async function codeView(db: Queryable, now: Clock, row: ConfirmationRow): Promise<CodeConfirmationView> {
  const contact = await getContactRow(db, row.workspaceId, row.contactId);
  const phone = decryptOptional(contact.phoneCiphertext, "contact.phone");
  return {
    status: codeViewStatus(row, now()),
    brand: await workspaceName(db, row.workspaceId),
    topicNames: (await confirmationTopics(db, row)).map((t) => t.name),
    sentTo: phone ? maskPhone(phone) : null,
    attemptsLeft: Math.max(0, row.maxAttempts - row.attempts),
    expiresAt: row.expiresAt,
    workspaceId: row.workspaceId,
    contactId: row.contactId,
  };
}
