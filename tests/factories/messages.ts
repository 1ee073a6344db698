import { and, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { messageEvents, messages, topics, type MessageRow, type MessageStatus, type StoredDecision } from "@/db/schema";
import { emailLookupKey, normalizeEmail, normalizePhone } from "@/server/lib/addresses";
import { blindIndex, encryptOptional } from "@/server/lib/crypto";
import { MESSAGE_PII_PURPOSE } from "@/server/services/messages/message-view";

export interface MessageFactoryInput {
  workspaceId: string;
  contactId?: string | null;
  direction?: "outbound" | "inbound";
  channel?: "email" | "sms";
  /** Topic key; its id and kind are looked up in the workspace when it exists. */
  topic?: string | null;
  kind?: "marketing" | "transactional";
  status?: MessageStatus;
  reason?: string | null;
  /** Recipient (outbound) or sender (inbound), in any format; stored encrypted with its blind index. */
  address?: string;
  from?: string | null;
  subject?: string | null;
  text?: string | null;
  html?: string | null;
  headers?: Record<string, string> | null;
  transport?: string | null;
  providerMessageId?: string | null;
  segments?: number | null;
  campaignId?: string | null;
  parentMessageId?: string | null;
  relation?: string | null;
  templateId?: string | null;
  templateVersion?: number | null;
  decision?: StoredDecision | null;
  consentEventId?: string | null;
  createdAt?: Date;
  /** Timeline rows, oldest first; defaults to one event per status reached. */
  events?: { status: string; source?: string; at?: Date; detail?: Record<string, unknown> }[];
}

function addressHash(
  workspaceId: string,
  channel: "email" | "sms",
  address: string,
): { normalized: string; hash: string } {
  if (channel === "email") {
    const email = normalizeEmail(address);
    if (!email.ok) throw new Error(`factory: bad email (${email.reason})`);
    return { normalized: email.value, hash: blindIndex(workspaceId, "email", emailLookupKey(email.value)) };
  }
  const phone = normalizePhone(address, "US");
  if (!phone.ok) throw new Error(`factory: bad phone (${phone.reason})`);
  return { normalized: phone.value, hash: blindIndex(workspaceId, "phone", phone.value) };
}

/**
 * Inserts a message the way the send pipeline records one (address and content encrypted, blind
 * index of the address, a timeline), for tests of the read side. Not a send: nothing is delivered.
 */
export async function createMessage(db: Queryable, input: MessageFactoryInput): Promise<MessageRow> {
  const channel = input.channel ?? "email";
  const direction = input.direction ?? "outbound";
  const status = input.status ?? (direction === "inbound" ? "received" : "sent");
  const topicKey =
    input.topic === undefined
      ? direction === "inbound"
        ? null
        : channel === "email"
          ? "newsletter"
          : "promotions"
      : input.topic;
  const [topic] = topicKey
    ? await db
        .select()
        .from(topics)
        .where(and(eq(topics.workspaceId, input.workspaceId), eq(topics.key, topicKey)))
    : [];
  const address = addressHash(
    input.workspaceId,
    channel,
    input.address ?? (channel === "email" ? "ann@example.com" : "+14155552671"),
  );
  const createdAt = input.createdAt ?? new Date();
  const transport = input.transport === undefined ? "log" : input.transport;
  const reached = (s: MessageStatus) => status === s;

  const [row] = await db
    .insert(messages)
    .values({
      workspaceId: input.workspaceId,
      contactId: input.contactId ?? null,
      direction,
      channel,
      topicId: topic?.id ?? null,
      topicKey,
      kind: input.kind ?? topic?.kind ?? "marketing",
      status,
      reason: input.reason ?? null,
      addressHash: address.hash,
      addressCiphertext: encryptOptional(address.normalized, MESSAGE_PII_PURPOSE.address),
      fromAddress:
        input.from === undefined
          ? channel === "email"
            ? "OptIn Manager <noreply@localhost>"
            : "+15005550006"
          : input.from,
      subjectCiphertext: encryptOptional(
        input.subject === undefined ? (channel === "email" ? "Spring news" : null) : input.subject,
        MESSAGE_PII_PURPOSE.subject,
      ),
      textCiphertext: encryptOptional(
        input.text === undefined ? "Hello from the test suite." : input.text,
        MESSAGE_PII_PURPOSE.text,
      ),
      htmlCiphertext: encryptOptional(input.html ?? null, MESSAGE_PII_PURPOSE.html),
      headers: input.headers ?? null,
      templateId: input.templateId ?? null,
      templateVersion: input.templateVersion ?? null,
      campaignId: input.campaignId ?? null,
      parentMessageId: input.parentMessageId ?? null,
      relation: input.relation ?? null,
      decision: input.decision ?? null,
      consentEventId: input.consentEventId ?? null,
      policyVersion: input.decision?.policyVersion ?? null,
      transport: status === "blocked" ? null : transport,
      providerMessageId: input.providerMessageId ?? null,
      segments: input.segments ?? null,
      attempts: ["sent", "delivered", "failed", "undelivered", "bounced"].includes(status) ? 1 : 0,
      queuedAt: status === "blocked" || direction === "inbound" ? null : createdAt,
      sentAt: ["sent", "delivered"].includes(status) ? createdAt : null,
      deliveredAt: reached("delivered") ? createdAt : null,
      failedAt: ["failed", "undelivered", "bounced"].includes(status) ? createdAt : null,
      createdAt,
      updatedAt: createdAt,
    })
    .returning();

  const events =
    input.events ??
    (direction === "inbound"
      ? [{ status: "received", source: "webhook" }]
      : status === "blocked"
        ? [{ status: "blocked", source: "pipeline", detail: { reason: input.reason ?? "no_consent" } }]
        : [{ status: "queued", source: "pipeline" }, ...(status !== "queued" ? [{ status, source: "provider" }] : [])]);
  if (events.length) {
    await db.insert(messageEvents).values(
      events.map((e, i) => ({
        workspaceId: input.workspaceId,
        messageId: row!.id,
        status: e.status,
        source: e.source ?? "pipeline",
        detail: e.detail ?? null,
        occurredAt: e.at ?? new Date(createdAt.getTime() + i * 1000),
      })),
    );
  }
  return row!;
}
