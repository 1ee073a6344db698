import { lockKey } from "@/server/lib/advisory-locks";
import { randomUUID } from "node:crypto";
import { and, count, eq, gt, inArray } from "drizzle-orm";
import {
  consentConfirmations,
  consentEvents,
  consentStates,
  type Channel,
  type ConsentSource,
  type TopicRow,
} from "@/db/schema";
import { maskPhone } from "@/server/lib/addresses";
import { decryptOptional } from "@/server/lib/crypto";
import { AppError, invalid } from "@/server/lib/errors";
import { maskEmail } from "@/server/lib/logger";
import { writeAudit } from "../audit/write-audit";
import { recordConsentChange } from "../consent/record-consent-change";
import { getContactRow } from "../contacts/rows";
import { inTransaction, type ServiceContext } from "../context";
import { recordSends } from "../messages/record-sends";
import type { SendRequest } from "../messages/pipeline-types";
import { DOUBLE_OPT_IN_CODE_TEXT, DOUBLE_OPT_IN_LINK_CONTENT, systemTemplateFor } from "../templates/defaults";
import { confirmationLink, listTopics } from "./messages";
import { workspaceFrom } from "../workspaces/sender";
import { workspacePresentation } from "../templates/rows";
import type { Queryable } from "@/db/client";
import { ZRequestConfirmationInput, type TRequestConfirmationInput } from "./schemas";
import {
  CODE_MAX_ATTEMPTS,
  CODE_TTL_MS,
  generateCode,
  generateLinkToken,
  hashCode,
  LINK_TTL_MS,
  MAX_CONFIRMATIONS_PER_ADDRESS_PER_HOUR,
} from "./secrets";
import type { ConfirmationRow } from "./shared";

/**
 * A request written to the database with the message that carries its link or code (recorded by
 * the pipeline in the same transaction), waiting for the outbox after commit. The secret itself
 * is kept nowhere else than in that message's encrypted content.
 */
export interface PreparedConfirmation {
  confirmation: ConfirmationRow;
  messageId: string;
  /** `queued`, or `blocked` (the address is suppressed, or no longer valid): recorded, never sent. */
  messageStatus: "queued" | "blocked";
  /** The address the message is for, masked. */
  sentTo: string;
}

/**
 * Writes a double opt-in request inside the caller's transaction: the pending `opted_in` ledger
 * events (`needsConfirmation`, which is not consent) and the `consent_confirmations` row holding
 * only a hash of the secret. Topics the contact already has confirmed consent for are left alone.
 *
 * The link or code goes out as a transactional message through the send pipeline, recorded in
 * the same transaction (`recordSends` with `consentRequest`): rendered from the workspace's
 * `double_opt_in_link` / `double_opt_in_code` template (built-in wording when it is archived,
 * broken or leaves the link out), decided with purpose `consent_request` (no consent needed, the
 * suppression list applies: a suppressed address gets a `blocked` message, reason `suppressed`,
 * and nothing reaches a provider), its id kept on the confirmation row.
 *
 * At most MAX_CONFIRMATIONS_PER_ADDRESS_PER_HOUR requests per address and hour, counted from the
 * table under an advisory lock on the address, so the limit holds across processes and restarts
 * → RATE_LIMITED. Call `deliverConfirmation` after commit. Audited.
 */
export async function prepareConfirmation({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TRequestConfirmationInput;
}): Promise<PreparedConfirmation | null> {
  const parsed = ZRequestConfirmationInput.parse(input);
  const { topicRows } = input;
  if (topicRows.length === 0) return null;
  for (const topic of topicRows) {
    if (topic.workspaceId !== ctx.workspaceId) throw invalid("Unknown topic", "topicRows");
    if (!topic.channels.includes(parsed.channel))
      throw invalid(`Topic "${topic.key}" is not offered on ${parsed.channel}`, "channel");
  }

  return inTransaction(ctx.db, async (tx) => {
    const contact = await getContactRow(tx, ctx.workspaceId, parsed.contactId);
    if (contact.erasedAt) throw new AppError("CONFLICT", "This contact was erased");
    const isEmail = parsed.channel === "email";
    const address = isEmail
      ? decryptOptional(contact.emailCiphertext, "contact.email")
      : decryptOptional(contact.phoneCiphertext, "contact.phone");
    const addressHash = isEmail ? contact.emailHash : contact.phoneHash;
    if (!address || !addressHash)
      throw invalid(`The contact has no ${isEmail ? "email address" : "phone number"}`, isEmail ? "email" : "phone");

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
    await lockKey(tx, `confirmations:${addressHash}`);
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
      throw new AppError(
        "RATE_LIMITED",
        "Too many confirmation messages were sent to this address. Please try again in an hour.",
      );
    }

    const recorded = await recordConsentChange({
      ctx: { ...ctx, db: tx },
      input: {
        contactId: contact.id,
        channel: parsed.channel,
        topicRows: pendingTopics,
        action: "opted_in",
        needsConfirmation: true,
        source: parsed.source as ConsentSource,
        evidence: parsed.evidence,
      },
    });
    // The evidence as the ledger stored it (the consent text replaced by its hash).
    const [stored] = recorded[0]
      ? await tx
          .select({ evidence: consentEvents.evidence })
          .from(consentEvents)
          .where(eq(consentEvents.id, recorded[0].eventId))
      : [];

    const id = randomUUID();
    const method = isEmail ? ("link" as const) : ("code" as const);
    const link = isEmail ? generateLinkToken() : null;
    const code = isEmail ? null : generateCode();
    const expiresAt = new Date(now.getTime() + (isEmail ? LINK_TTL_MS : CODE_TTL_MS));
    const message = await recordConfirmationMessage(
      { ...ctx, db: tx },
      {
        confirmationId: id,
        contactId: contact.id,
        channel: parsed.channel,
        topics: pendingTopics,
        secret: link ? confirmationLink(link.token) : code!,
        lifetimeMs: expiresAt.getTime() - now.getTime(),
      },
    );
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
        evidence: Object.fromEntries(
          Object.entries(stored?.evidence ?? {}).filter(([, v]) => typeof v === "string"),
        ) as Record<string, string>,
        formVersionId: parsed.formVersionId ?? null,
        messageId: message.messageId,
        expiresAt,
        createdAt: now,
      })
      .returning();
    await writeAudit(tx, ctx, {
      action: "consent.confirmation_requested",
      targetType: "contact",
      targetId: contact.id,
      after: {
        confirmationId: id,
        channel: parsed.channel,
        method,
        topics: pendingTopics.map((t) => t.key),
        messageId: message.messageId,
        messageStatus: message.status,
      },
    });
    return {
      confirmation: confirmation!,
      messageId: message.messageId,
      messageStatus: message.status,
      sentTo: isEmail ? maskEmail(address) : maskPhone(address),
    };
  });
}

/**
 * The confirmation message, recorded by the pipeline in the caller's transaction. Its idempotency
 * key is `confirmation-<id>`, one message per request. A template that does not render and a
 * built-in fallback that does not either would be a bug: the error rolls the request back.
 */
async function recordConfirmationMessage(
  ctx: ServiceContext,
  input: {
    confirmationId: string;
    contactId: string;
    channel: Channel;
    topics: TopicRow[];
    secret: string;
    lifetimeMs: number;
  },
): Promise<{ messageId: string; status: "queued" | "blocked" }> {
  const isEmail = input.channel === "email";
  const template = await systemTemplateFor(
    ctx.db,
    ctx.workspaceId,
    isEmail ? "double_opt_in_link" : "double_opt_in_code",
    ctx.now,
  );
  const topics = listTopics(input.topics.map((t) => t.name));
  const variables = isEmail
    ? { confirmation_url: input.secret, topics, hours: Math.round(input.lifetimeMs / 3_600_000) }
    : { code: input.secret, topics, minutes: Math.round(input.lifetimeMs / 60_000) };
  const fallback: SendRequest["source"] = {
    content: isEmail ? DOUBLE_OPT_IN_LINK_CONTENT : { text: DOUBLE_OPT_IN_CODE_TEXT },
  };
  const [outcome] = await recordSends({
    ctx,
    input: {
      requests: [
        {
          recipient: { contactId: input.contactId },
          channel: input.channel,
          // For the decision only (is it offered on this channel?): the message is stored without a topic.
          topicKey: input.topics[0]!.key,
          kind: "transactional",
          source: template ? { templateId: template.id } : fallback,
          variables,
          idempotencyKey: `confirmation-${input.confirmationId}`,
          requestHash: null,
          fallback: false,
          deferOnQuietHours: false,
          consentRequest: {
            mustInclude: input.secret,
            fallback,
            ...(isEmail ? { fromAddress: await confirmationFrom(ctx.db, ctx.workspaceId) } : {}),
          },
        },
      ],
    },
  });
  if (!outcome!.ok) throw outcome!.error;
  return { messageId: outcome!.send.messageId, status: outcome!.send.status === "blocked" ? "blocked" : "queued" };
}

/** A confirmation carries the brand the person is consenting to: the sender name, else the workspace's name. */
async function confirmationFrom(db: Queryable, workspaceId: string): Promise<string> {
  const workspace = await workspacePresentation(db, workspaceId);
  return workspaceFrom(workspace.profile, { fallbackName: workspace.name });
}
