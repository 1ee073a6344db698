import { randomUUID } from "node:crypto";
import type { Channel, ConsentAction, ConsentStatus, TopicRow } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { invalid } from "@/server/lib/errors";
import { inTransaction } from "../context";
import { recordConsentChange } from "../consent/record-consent";
import { buildPreferences, listOfferedTopics, preferenceConsentText, type Preferences } from "./get-preferences";
import { consentKey, currentConsent, lockContactConsent, maskedAddress, resolvePreferencesLink, type LinkContext } from "./link-context";
import { ZSavePreferencesInput, type TSavePreferencesInput } from "./schemas";

export interface PreferenceChange {
  topicKey: string;
  channel: Channel;
  /** The state after the change: `opted_in`, `pending` (awaiting confirmation) or `opted_out`. */
  status: ConsentStatus;
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
 * Double opt-in exists to prove that the person granting consent controls the address. A
 * preference link that was delivered *by email* and is being used proves exactly that for the
 * contact's email address (it is the same proof a confirmation email gives: a signed link that
 * only reached that mailbox). So an email grant through an email-delivered link is confirmed.
 * It proves nothing about the phone number, and SMS consent is confirmed in-channel (a reply or a
 * code), so every SMS grant of a double opt-in topic is recorded pending, as is every grant
 * through a link whose delivery channel is unknown. Topics without double opt-in grant at once.
 */
function grantNeedsConfirmation(topic: TopicRow, channel: Channel, linkChannel: Channel | undefined): boolean {
  if (!topic.requiresDoubleOptIn) return false;
  return !(channel === "email" && linkChannel === "email");
}

/**
 * Saves the preference center: records ledger events with source `preference_center` only for
 * pairs whose state changes, all in one transaction under the contact's consent lock (so a
 * double submit records nothing the second time), one batch id for the whole save, audited with
 * the contact as actor.
 *
 * - Switching off an opted-in or pending pair → `opted_out` (withdrawing never needs verification),
 *   with the optional reason as `evidence.note`. Off where nothing is recorded → nothing.
 * - Switching on → `opted_in`, or pending per `grantNeedsConfirmation`; on where the contact has
 *   no address on that channel → INVALID. Already on or pending → nothing.
 * - `unsubscribeAll` → `opted_out` of every marketing topic on every channel it is offered on,
 *   wherever the contact is not opted out already — including pairs with nothing recorded, so the
 *   withdrawal is on record and a later import cannot resurrect consent. Transactional topics stay.
 *
 * A pair that is not an offered (non-archived) topic × channel → INVALID. Bad token → NOT_FOUND.
 */
export async function savePreferences({
  link,
  input,
}: {
  link: LinkContext;
  input: TSavePreferencesInput;
}): Promise<{ changes: PreferenceChange[]; preferences: Preferences }> {
  const parsed = ZSavePreferencesInput.parse(input);
  const resolved = await resolvePreferencesLink(link, parsed.token);
  const { claims, contact } = resolved;

  const changes = await inTransaction(link.db, async (tx) => {
    const ctx = { ...resolved.ctx, db: tx };
    await lockContactConsent(tx, contact.id);
    const offered = await listOfferedTopics(tx, ctx.workspaceId);
    const states = await currentConsent(tx, ctx.workspaceId, contact.id);

    const desired = new Map<string, { topic: TopicRow; channel: Channel; subscribed: boolean }>();
    if (parsed.unsubscribeAll) {
      for (const topic of offered.filter((t) => t.kind === "marketing")) {
        for (const channel of new Set(topic.channels)) desired.set(consentKey(channel, topic.id), { topic, channel, subscribed: false });
      }
    } else {
      const byId = new Map(offered.map((t) => [t.id, t]));
      for (const choice of parsed.choices) {
        const topic = byId.get(choice.topicId);
        if (!topic || !topic.channels.includes(choice.channel)) throw invalid("That topic is not offered on that channel", "choices");
        desired.set(consentKey(choice.channel, topic.id), { topic, channel: choice.channel, subscribed: choice.subscribed });
      }
    }

    const groups = new Map<string, Group>();
    for (const [key, { topic, channel, subscribed }] of desired) {
      const status = states.get(key)?.status ?? null;
      let action: Group["action"] | null = null;
      let needsConfirmation = false;
      if (subscribed) {
        if (status !== "opted_in" && status !== "pending") {
          if (!maskedAddress(contact, channel)) throw invalid(`There is no ${channel === "sms" ? "phone number" : "email address"} to send "${topic.name}" to`, "choices");
          action = "opted_in";
          needsConfirmation = grantNeedsConfirmation(topic, channel, claims.channel);
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
    const consentText = preferenceConsentText(resolved.workspaceName);
    for (const group of groups.values()) {
      const results = await recordConsentChange(ctx, {
        contactId: contact.id,
        channel: group.channel,
        topicRows: group.topics,
        action: group.action,
        source: "preference_center",
        needsConfirmation: group.needsConfirmation,
        batchId,
        evidence: {
          ...parsed.evidence,
          url: `${getEnv().PUBLIC_URL}/preferences`,
          ...(group.action === "opted_in" ? { text: consentText } : parsed.reason ? { note: parsed.reason } : {}),
        },
      });
      for (const r of results) recorded.push({ topicKey: r.topicKey, channel: r.channel, status: r.state?.status ?? "opted_out" });
    }
    return recorded;
  });

  return { changes, preferences: await buildPreferences(resolved, link.db) };
}
