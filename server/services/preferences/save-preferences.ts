import { randomUUID } from "node:crypto";
import type { Channel, ConsentAction, ConsentStatus, TopicRow } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { invalid } from "@/server/lib/errors";
import { inTransaction, type SendingPublicContext } from "../context";
import { logger } from "@/server/lib/logger";
import { recordConsentChange } from "../consent/record-consent-change";
import { deliverConfirmation } from "../confirmations/deliver-confirmation";
import { prepareConfirmation, type PreparedConfirmation } from "../confirmations/prepare-confirmation";
import { buildPreferences, listOfferedTopics, preferenceConsentText, type Preferences } from "./model";
import { consentKey, currentConsent, lockContactConsent, maskedAddress, resolvePreferencesLink } from "./link-context";
import { ZSavePreferencesInput, type TSavePreferencesInput } from "./schemas";

export interface PreferenceChange {
  topicKey: string;
  channel: Channel;
  /** The state after the change: `opted_in`, `pending` (awaiting confirmation) or `opted_out`. */
  status: ConsentStatus;
}

/** A confirmation request the save started for double opt-in topics (one per channel). */
export interface PreferenceConfirmation {
  channel: Channel;
  /** For a texted code: the page where the contact enters it (`/confirm/code/{id}`). */
  codePath: string | null;
  /** Masked address the link or code went to; null when it could not be sent (the grant stays pending). */
  sentTo: string | null;
}

interface Group {
  channel: Channel;
  action: Extract<ConsentAction, "opted_in" | "opted_out">;
  needsConfirmation: boolean;
  topics: TopicRow[];
}

/**
 * Whether switching a topic on through this link counts as consent at once, or only as a request
 * awaiting proof of control of the address (`pending`, which is not consent).
 *
 * No link grants a double opt-in topic directly: a preference link can be forwarded, and one
 * minted from an old unsubscribe link must not become a way back in after an opt-out. Switching
 * on a double opt-in topic starts the topic's own confirmation (an emailed link or a texted code,
 * `requestConfirmation`), and the ledger records consent only when that is confirmed. Topics
 * without double opt-in grant at once.
 */
function grantNeedsConfirmation(topic: TopicRow): boolean {
  return topic.requiresDoubleOptIn;
}

/**
 * Saves the preference center: records ledger events with source `preference_center` only for
 * pairs whose state changes, all in one transaction under the contact's consent lock (so a
 * double submit records nothing the second time), one batch id for the whole save, audited with
 * the contact as actor.
 *
 * - Switching off an opted-in or pending pair → `opted_out` (withdrawing never needs verification),
 *   with the optional reason as `evidence.note`. Off where nothing is recorded → nothing.
 * - Switching on a topic without double opt-in → `opted_in`. Switching on a double opt-in topic →
 *   a confirmation request (`prepareConfirmation`: pending ledger events, which are not consent,
 *   and an emailed link or texted code sent after commit); consent is recorded only when the
 *   contact confirms. More than the confirmation limit per address and hour → RATE_LIMITED,
 *   nothing saved. On where the contact has no address on that channel → INVALID. Already on or
 *   pending → nothing.
 * - `unsubscribeAll` → `opted_out` of every marketing topic on every channel it is offered on,
 *   wherever the contact is not opted out already — including pairs with nothing recorded, so the
 *   withdrawal is on record and a later import cannot resurrect consent. Transactional topics stay.
 *
 * A pair that is not an offered (non-archived) topic × channel → INVALID. Bad token → NOT_FOUND.
 */
export async function savePreferences({
  ctx: link,
  input,
}: {
  ctx: SendingPublicContext;
  input: TSavePreferencesInput;
}): Promise<{ changes: PreferenceChange[]; confirmations: PreferenceConfirmation[]; preferences: Preferences }> {
  const parsed = ZSavePreferencesInput.parse(input);
  const resolved = await resolvePreferencesLink(link, parsed.token);
  const { contact } = resolved;

  const { recorded: changes, prepared } = await inTransaction(link.db, async (tx) => {
    const ctx = { ...resolved.ctx, db: tx };
    await lockContactConsent(tx, contact.id);
    const offered = await listOfferedTopics(tx, ctx.workspaceId);
    const states = await currentConsent(tx, ctx.workspaceId, contact.id);

    const desired = new Map<string, { topic: TopicRow; channel: Channel; subscribed: boolean }>();
    if (parsed.unsubscribeAll) {
      for (const topic of offered.filter((t) => t.kind === "marketing")) {
        for (const channel of new Set(topic.channels))
          desired.set(consentKey(channel, topic.id), { topic, channel, subscribed: false });
      }
    } else {
      const byId = new Map(offered.map((t) => [t.id, t]));
      for (const choice of parsed.choices) {
        const topic = byId.get(choice.topicId);
        if (!topic || !topic.channels.includes(choice.channel))
          throw invalid("That topic is not offered on that channel", "choices");
        desired.set(consentKey(choice.channel, topic.id), {
          topic,
          channel: choice.channel,
          subscribed: choice.subscribed,
        });
      }
    }

    const groups = new Map<string, Group>();
    for (const [key, { topic, channel, subscribed }] of desired) {
      const status = states.get(key)?.status ?? null;
      let action: Group["action"] | null = null;
      let needsConfirmation = false;
      if (subscribed) {
        if (status !== "opted_in" && status !== "pending") {
          if (!maskedAddress(contact, channel))
            throw invalid(
              `There is no ${channel === "sms" ? "phone number" : "email address"} to send "${topic.name}" to`,
              "choices",
            );
          action = "opted_in";
          needsConfirmation = grantNeedsConfirmation(topic);
        }
      } else if (status === "opted_in" || status === "pending" || (parsed.unsubscribeAll && status === null)) {
        action = "opted_out";
      }
      if (!action) continue;
      const groupKey = `${channel}:${action}:${needsConfirmation}`;
      const group = groups.get(groupKey) ?? { channel, action, needsConfirmation, topics: [] };
      group.topics.push(topic);
      groups.set(groupKey, group);
    }

    const batchId = randomUUID();
    const recorded: PreferenceChange[] = [];
    const prepared: PreparedConfirmation[] = [];
    const consentText = preferenceConsentText(resolved.workspaceName);
    for (const group of groups.values()) {
      const evidence = {
        ...parsed.evidence,
        url: `${getEnv().PUBLIC_URL}/preferences`,
        ...(group.action === "opted_in" ? { text: consentText } : parsed.reason ? { note: parsed.reason } : {}),
      };
      if (group.needsConfirmation) {
        const request = await prepareConfirmation({
          ctx,
          input: {
            contactId: contact.id,
            channel: group.channel,
            topicRows: group.topics,
            source: "preference_center",
            evidence,
          },
        });
        if (request) prepared.push(request);
        for (const topic of group.topics)
          recorded.push({ topicKey: topic.key, channel: group.channel, status: "pending" });
        continue;
      }
      const results = await recordConsentChange({
        ctx,
        input: {
          contactId: contact.id,
          channel: group.channel,
          topicRows: group.topics,
          action: group.action,
          source: "preference_center",
          batchId,
          evidence,
        },
      });
      for (const r of results)
        recorded.push({ topicKey: r.topicKey, channel: r.channel, status: r.state?.status ?? "opted_out" });
    }
    return { recorded, prepared };
  });

  // After commit: the link or code goes out. A failed send leaves the grant pending (not consent)
  // until the request expires; an admin can resend it.
  const confirmations: PreferenceConfirmation[] = [];
  for (const request of prepared) {
    try {
      const sent = await deliverConfirmation({ ctx: link, input: request });
      confirmations.push({
        channel: sent.channel,
        codePath: sent.method === "code" ? `/confirm/code/${request.confirmation.id}` : null,
        sentTo: sent.sentTo,
      });
    } catch (error) {
      logger.error(
        { err: error, confirmationId: request.confirmation.id },
        "sending a preference-center confirmation failed",
      );
      confirmations.push({ channel: request.confirmation.channel, codePath: null, sentTo: null });
    }
  }

  return { changes, confirmations, preferences: await buildPreferences(resolved, link.db) };
}
