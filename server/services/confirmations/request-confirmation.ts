import { randomUUID } from "node:crypto";
import { and, count, eq, gt, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { CHANNELS, CONSENT_SOURCES, consentConfirmations, consentEvents, consentStates, type Channel, type ConsentSource, type TopicRow } from "@/db/schema";
import { maskPhone } from "@/server/lib/addresses";
import { decryptOptional } from "@/server/lib/crypto";
import { getEnv } from "@/server/lib/env";
import { AppError, invalid } from "@/server/lib/errors";
import { maskEmail } from "@/server/lib/logger";
import { getEmailTransport } from "@/server/wiring";
import { getSmsTransport } from "@/server/wiring";
import { writeAudit } from "../audit/write-audit";
import { recordConsentChange } from "../consent/record-consent";
import { ZEvidence } from "../consent/schemas";
import { getContactRow } from "../contacts/contacts";
import { inTransaction, type ServiceContext } from "../context";
import { confirmationEmail, confirmationSms, brandedFrom } from "./messages";
import {
  CODE_MAX_ATTEMPTS,
  CODE_TTL_MS,
  generateCode,
  generateLinkToken,
  hashCode,
  LINK_TTL_MS,
  MAX_CONFIRMATIONS_PER_ADDRESS_PER_HOUR,
} from "./secrets";
import { workspaceName, type ConfirmationRow } from "./shared";

export const ZRequestConfirmationInput = z.object({
  contactId: z.uuid(),
  channel: z.enum(CHANNELS),
  source: z.enum(CONSENT_SOURCES),
  // Loose: a re-sent request carries the stored evidence (text hash, confirmation ids) along.
  evidence: ZEvidence.loose(),
  formVersionId: z.uuid().nullish(),
});
export type TRequestConfirmationInput = z.input<typeof ZRequestConfirmationInput> & {
  /** Resolved topics (checked against the channel by the caller). */
  topicRows: TopicRow[];
};

/** A request written to the database and waiting to be delivered (after the transaction commits). */
export interface PreparedConfirmation {
  confirmation: ConfirmationRow;
  /** The plaintext link token or code: only in memory, on its way to the address. */
  secret: string;
  address: string;
  brand: string;
  topicNames: string[];
}

export interface RequestedConfirmation {
  /** null when every topic was already confirmed (nothing pending, nothing sent). */
  confirmationId: string | null;
  channel: Channel;
  method: "link" | "code" | null;
  /** Masked address the message went to. */
  sentTo: string | null;
}

/**
 * Writes a double opt-in request inside the caller's transaction: the pending `opted_in` ledger
 * events (`needsConfirmation`, which is not consent) and the `consent_confirmations` row holding
 * only a hash of the secret. Topics the contact already has confirmed consent for are left alone.
 *
 * At most MAX_CONFIRMATIONS_PER_ADDRESS_PER_HOUR requests per address and hour, counted from the
 * table under an advisory lock on the address, so the limit holds across processes and restarts
 * → RATE_LIMITED. Call `deliverConfirmation` after commit. Audited.
 */
export async function prepareConfirmation(ctx: ServiceContext, input: TRequestConfirmationInput): Promise<PreparedConfirmation | null> {
  const parsed = ZRequestConfirmationInput.parse(input);
  const { topicRows } = input;
  if (topicRows.length === 0) return null;
  for (const topic of topicRows) {
    if (topic.workspaceId !== ctx.workspaceId) throw invalid("Unknown topic", "topicRows");
    if (!topic.channels.includes(parsed.channel)) throw invalid(`Topic "${topic.key}" is not offered on ${parsed.channel}`, "channel");
  }

  return inTransaction(ctx.db, async (tx) => {
    const contact = await getContactRow(tx, ctx.workspaceId, parsed.contactId);
    if (contact.erasedAt) throw new AppError("CONFLICT", "This contact was erased");
    const isEmail = parsed.channel === "email";
    const address = isEmail ? decryptOptional(contact.emailCiphertext, "contact.email") : decryptOptional(contact.phoneCiphertext, "contact.phone");
    const addressHash = isEmail ? contact.emailHash : contact.phoneHash;
    if (!address || !addressHash) throw invalid(`The contact has no ${isEmail ? "email address" : "phone number"}`, isEmail ? "email" : "phone");

    // Topics already confirmed need no new request (and a pending event would be noise).
    const states = await tx
      .select({ topicId: consentStates.topicId, status: consentStates.status })
      .from(consentStates)
      .where(
        and(
          eq(consentStates.workspaceId, ctx.workspaceId),
          eq(consentStates.contactId, contact.id),
          eq(consentStates.channel, parsed.channel),
          inArray(
            consentStates.topicId,
            topicRows.map((t) => t.id),
          ),
        ),
      );
    const confirmed = new Set(states.filter((s) => s.status === "opted_in").map((s) => s.topicId));
    const pendingTopics = topicRows.filter((t) => !confirmed.has(t.id));
    if (pendingTopics.length === 0) return null;

    const now = ctx.now();
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`confirmations:${addressHash}`}, 0))`);
    const [recent] = await tx
      .select({ n: count() })
      .from(consentConfirmations)
      .where(
        and(
          eq(consentConfirmations.workspaceId, ctx.workspaceId),
          eq(consentConfirmations.addressHash, addressHash),
          gt(consentConfirmations.createdAt, new Date(now.getTime() - 60 * 60 * 1000)),
        ),
      );
    if ((recent?.n ?? 0) >= MAX_CONFIRMATIONS_PER_ADDRESS_PER_HOUR) {
      throw new AppError("RATE_LIMITED", "Too many confirmation messages were sent to this address. Please try again in an hour.");
    }

    const recorded = await recordConsentChange(
      { ...ctx, db: tx },
      {
        contactId: contact.id,
        channel: parsed.channel,
        topicRows: pendingTopics,
        action: "opted_in",
        needsConfirmation: true,
        source: parsed.source as ConsentSource,
        evidence: parsed.evidence,
      },
    );
    // The evidence as the ledger stored it (the consent text replaced by its hash).
    const [stored] = recorded[0]
      ? await tx.select({ evidence: consentEvents.evidence }).from(consentEvents).where(eq(consentEvents.id, recorded[0].eventId))
      : [];

    const id = randomUUID();
    const method = isEmail ? ("link" as const) : ("code" as const);
    const link = isEmail ? generateLinkToken() : null;
    const code = isEmail ? null : generateCode();
    const [confirmation] = await tx
      .insert(consentConfirmations)
      .values({
        id,
        workspaceId: ctx.workspaceId,
        contactId: contact.id,
        channel: parsed.channel,
        topicIds: pendingTopics.map((t) => t.id),
        method,
        secretHash: link ? link.hash : hashCode(id, code!),
        addressHash,
        maxAttempts: CODE_MAX_ATTEMPTS,
        source: parsed.source,
        evidence: Object.fromEntries(Object.entries(stored?.evidence ?? {}).filter(([, v]) => typeof v === "string")) as Record<string, string>,
        formVersionId: parsed.formVersionId ?? null,
        expiresAt: new Date(now.getTime() + (isEmail ? LINK_TTL_MS : CODE_TTL_MS)),
        createdAt: now,
      })
      .returning();
    await writeAudit(tx, ctx, {
      action: "consent.confirmation_requested",
      targetType: "contact",
      targetId: contact.id,
      after: { confirmationId: id, channel: parsed.channel, method, topics: pendingTopics.map((t) => t.key) },
    });
    return {
      confirmation: confirmation!,
      secret: link ? link.token : code!,
      address,
      brand: await workspaceName(tx, ctx.workspaceId),
      topicNames: pendingTopics.map((t) => t.name),
    };
  });
}

export function confirmationLink(token: string): string {
  return `${getEnv().PUBLIC_URL}/confirm/${token}`;
}

/** Sends the link or code. Idempotent per confirmation at the provider (idempotency key = its id). */
export async function deliverConfirmation(prepared: PreparedConfirmation): Promise<RequestedConfirmation> {
  const { confirmation, secret, address, brand } = prepared;
  const idempotencyKey = `confirmation-${confirmation.id}`;
  if (confirmation.channel === "email") {
    const hours = Math.round((confirmation.expiresAt.getTime() - confirmation.createdAt.getTime()) / 3_600_000);
    const email = confirmationEmail({ brand, topicNames: prepared.topicNames, url: confirmationLink(secret), hours });
    await getEmailTransport().send({ from: brandedFrom(brand), to: address, ...email, idempotencyKey });
    return { confirmationId: confirmation.id, channel: "email", method: "link", sentTo: maskEmail(address) };
  }
  const minutes = Math.round((confirmation.expiresAt.getTime() - confirmation.createdAt.getTime()) / 60_000);
  await getSmsTransport().send({ to: address, body: confirmationSms({ brand, code: secret, minutes }), idempotencyKey });
  return { confirmationId: confirmation.id, channel: "sms", method: "code", sentTo: maskPhone(address) };
}

/**
 * Starts double opt-in for `topicRows` on one channel: records the pending opt-in and sends the
 * email link (48 h) or SMS code (15 min, 5 tries). Must not run inside a caller's transaction
 * (the message is sent after commit); callers with their own transaction use
 * `prepareConfirmation` + `deliverConfirmation`. RATE_LIMITED past 3 requests per address and hour.
 */
export async function requestConfirmation(ctx: ServiceContext, input: TRequestConfirmationInput): Promise<RequestedConfirmation> {
  const prepared = await prepareConfirmation(ctx, input);
  if (!prepared) return { confirmationId: null, channel: input.channel, method: null, sentTo: null };
  return deliverConfirmation(prepared);
}
