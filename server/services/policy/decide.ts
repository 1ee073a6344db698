import type { BlockReason } from "@/db/schema/messages";
import type { Channel, TopicKind } from "@/db/schema/topics";
import { addDays, formatClock, fromLocal, parseClock, toLocal } from "@/server/shared/local-time";
import { resolveRecipientTimezone, type RecipientTimezone } from "./recipient-timezone";
import { stateRuleFor, type DayWindow } from "@/server/shared/state-rules";
import {
  POLICY_VERSION,
  type MessagingSettings,
  type PolicyDecision,
  type PolicyInput,
  type RecentSend,
} from "./types";

export { resolveRecipientTimezone } from "./recipient-timezone";

const DAY_MS = 24 * 60 * 60 * 1000;
/** The federal TCPA window for telephone solicitations (texts included), recipient's local time. */
const TCPA_WINDOW = { start: 8 * 60, end: 21 * 60 };
/** Countries and territories where the TCPA and the state rules apply. */
const TCPA_COUNTRIES = new Set(["US", "PR", "VI", "GU", "MP", "AS"]);

/**
 * The send policy: may this message go to this contact now? Pure and deterministic (time is
 * `input.now`; no I/O), so the same input always gives the same answer and the answer can be
 * stored with the message as its consent proof.
 *
 * The checks run in a fixed order and the first failing one decides:
 *  1. erased: the contact was erased (`erased`).
 *  2. address: the topic is not offered on the channel, or the contact has no valid address on
 *     it (`invalid_address` for both: the message has nowhere valid to go, whatever the consent;
 *     a topic that is not offered on a channel cannot hold consent for it either).
 *  3. suppression: the address is on the suppression list (`suppressed`), transactional sends too.
 *  4. kind: a send is judged as transactional only when both the send and its topic are; a
 *     "transactional" send to a marketing topic, or a marketing send on a transactional topic,
 *     follows the marketing rules below. A consent request (`purpose: "consent_request"`, the
 *     double opt-in link or code) is judged as transactional whatever its topics.
 *  5. consent (marketing only): `opted_in` passes; `opted_out` → `opted_out`; `pending` (an
 *     unconfirmed double opt-in) or no record → `no_consent`. Skipped for a consent request,
 *     which asks for the consent itself (an earlier opt-out does not stop the person from asking
 *     to subscribe again; the grant stays pending until they confirm).
 *  6. quiet hours (marketing SMS only; email has no statutory hours): the recipient's local
 *     time must be inside the workspace window (when enabled) and, with statutory rules on and a
 *     US number, inside the TCPA window and the number's state window for that weekday.
 *     Blocks with `quiet_hours` and `retryAt` = the next allowed local start (DST-correct).
 *  7. state limit (marketing SMS, statutory rules on): Florida, Oklahoma and Maryland allow 3
 *     messages on the same topic per rolling 24 h (`frequency_cap`, `retryAt` = when the oldest
 *     of them ages out).
 *  8. workspace frequency caps (marketing, any channel): at most `max` marketing messages in the
 *     last `days` × 24 h matching the cap's channel and topic (`frequency_cap`, no `retryAt`: a
 *     capped message is dropped, not postponed). Skipped, and said so, for a send that ignores
 *     caps (`ignoreFrequencyCaps`: a campaign an admin marked as a legal notice, which must reach
 *     everyone who consented however many messages they had); every other check still applies,
 *     the statutory state limit of step 7 included (it is the law, not the workspace's choice).
 *     A legal notice's own messages (`countsTowardCaps: false`) are not counted by these caps
 *     either: a notice everyone had to receive does not use up the marketing they may get; the
 *     state limit of step 7 counts them like any text.
 *
 * `checks` narrates each check that ran, for the message timeline; it never contains an address.
 */
export function decide(input: PolicyInput): PolicyDecision {
  const checks: string[] = [];
  const { channel, topic, settings, now } = input;
  const recipient = resolveRecipientTimezone({
    contactTimezone: input.contact.timezone,
    phone: input.contact.phone ?? (channel === "sms" ? input.address : null),
    workspaceTimezone: settings.timezone,
  });
  const isConsentRequest = input.purpose === "consent_request";
  const effectiveKind: TopicKind =
    isConsentRequest || (input.kind === "transactional" && topic.kind === "transactional")
      ? "transactional"
      : "marketing";
  const base = { policyVersion: POLICY_VERSION, checks, timezone: recipient.timezone, effectiveKind };
  const block = (reason: BlockReason, retryAt?: Date): PolicyDecision =>
    retryAt ? { outcome: "block", reason, ...base, retryAt } : { outcome: "block", reason, ...base };

  // 1. Erasure.
  if (input.contact.erased) {
    checks.push("contact: erased");
    return block("erased");
  }
  checks.push("contact: active");

  // 2. Address.
  if (!topic.channels.includes(channel)) {
    checks.push(`address: topic "${topic.key}" is not offered on ${channelName(channel)}`);
    return block("invalid_address");
  }
  if (!input.address) {
    checks.push(`address: no valid ${channelName(channel)} address`);
    return block("invalid_address");
  }
  checks.push(`address: ${channelName(channel)} address on file`);

  // 3. Suppression (transactional too).
  if (input.suppression) {
    checks.push(`suppression: suppressed (${input.suppression.reason})`);
    return block("suppressed");
  }
  checks.push("suppression: none");

  // 4. Kind.
  checks.push(
    isConsentRequest
      ? `kind: double opt-in confirmation request (topic "${topic.key}"), judged as transactional`
      : describeKind(input.kind, topic.kind, topic.key),
  );

  // 5. Consent.
  const consent = input.consent;
  if (isConsentRequest) {
    checks.push(
      consent
        ? `consent: not required (this message asks for it; the grant stays pending until confirmed); recorded ${describeConsent(consent)}`
        : "consent: not required (this message asks for it; the grant stays pending until confirmed)",
    );
  } else if (effectiveKind === "transactional") {
    checks.push(
      consent
        ? `consent: not required (transactional); recorded ${describeConsent(consent)}`
        : "consent: not required (transactional)",
    );
  } else if (!consent) {
    checks.push(`consent: none recorded for "${topic.key}" on ${channelName(channel)}`);
    return block("no_consent");
  } else if (consent.status === "opted_out") {
    checks.push(`consent: ${describeConsent(consent)}`);
    return block("opted_out");
  } else if (consent.status !== "opted_in") {
    checks.push(`consent: ${describeConsent(consent)}, unconfirmed`);
    return block("no_consent");
  } else {
    checks.push(`consent: ${describeConsent(consent)}`);
  }

  // 6. Quiet hours.
  const isMarketingSms = effectiveKind === "marketing" && channel === "sms";
  const isUsNumber = recipient.country !== null && TCPA_COUNTRIES.has(recipient.country);
  const stateRule = settings.quietHours.stateRules && isUsNumber ? stateRuleFor(recipient.region) : null;
  if (!isMarketingSms) {
    checks.push(
      `quiet hours: not applied (${isConsentRequest ? "requested by the person just now" : effectiveKind === "transactional" ? "transactional" : channelName(channel)})`,
    );
  } else {
    const quiet = checkQuietHours(now, recipient, settings, isUsNumber);
    checks.push(quiet.line);
    if (!quiet.allowed) return block("quiet_hours", quiet.retryAt);
  }

  // 7. State per-24-hour limit.
  if (isMarketingSms && stateRule?.maxPerTopicPer24h) {
    const limit = stateRule.maxPerTopicPer24h;
    const inWindow = sendsWithin(
      input.recentSends,
      now,
      1,
      (send) => send.channel === "sms" && send.topicKey === topic.key,
    );
    if (inWindow.length >= limit) {
      const retryAt = new Date(inWindow[limit - 1]!.at.getTime() + DAY_MS);
      checks.push(
        `state limit: ${inWindow.length} of ${limit} marketing texts on "${topic.key}" in 24 h (${stateRule.label}); allowed again at ${retryAt.toISOString()}`,
      );
      return block("frequency_cap", retryAt);
    }
    checks.push(
      `state limit: ${inWindow.length} of ${limit} marketing texts on "${topic.key}" in 24 h (${stateRule.label})`,
    );
  }

  // 8. Workspace frequency caps.
  if (effectiveKind === "transactional") {
    checks.push(
      isConsentRequest
        ? "frequency cap: not applied (confirmation requests have their own hourly limit per address)"
        : "frequency cap: not applied (transactional)",
    );
  } else if (input.ignoreFrequencyCaps) {
    checks.push("frequency cap: ignored (legal notice)");
  } else {
    const caps = settings.frequencyCaps.filter(
      (cap) =>
        (cap.channel === "any" || cap.channel === channel) && (cap.topicKey === null || cap.topicKey === topic.key),
    );
    if (caps.length === 0) checks.push("frequency cap: none set");
    for (const cap of caps) {
      const count = sendsWithin(
        input.recentSends,
        now,
        cap.days,
        (send) =>
          send.countsTowardCaps !== false &&
          (cap.channel === "any" || send.channel === cap.channel) &&
          (cap.topicKey === null || send.topicKey === cap.topicKey),
      ).length;
      const scope = `${cap.channel === "any" ? "on any channel" : `by ${channelName(cap.channel)}`}${cap.topicKey ? ` on "${cap.topicKey}"` : ""}`;
      const period = cap.days === 1 ? "1 day" : `${cap.days} days`;
      checks.push(`frequency cap: ${count} of ${cap.max} marketing messages ${scope} in ${period}`);
      if (count >= cap.max) return block("frequency_cap");
    }
  }

  return { outcome: "send", ...base };
}

/**
 * How many days of a recipient's recent sends `decide()` needs (the pipeline loads them): the
 * longest workspace cap, and at least one day for the state per-24-hour limits.
 */
export function maxWindowDays(settings: MessagingSettings): number {
  return Math.max(1, ...settings.frequencyCaps.map((cap) => cap.days));
}

// ─── Quiet hours ─────────────────────────────────────────────────────────────

interface NamedWindow {
  start: number;
  end: number;
  label: string;
}

/** The allowed local window on a weekday: the intersection of every rule in force; null = closed. */
function windowOn(
  weekday: number,
  settings: MessagingSettings,
  region: string | null,
  isUsNumber: boolean,
): { window: DayWindow; rules: NamedWindow[]; closedBy?: string } {
  const rules: NamedWindow[] = [];
  if (settings.quietHours.enabled) {
    rules.push({
      start: parseClock(settings.quietHours.start),
      end: parseClock(settings.quietHours.end),
      label: "workspace",
    });
  }
  let closedBy: string | undefined;
  if (settings.quietHours.stateRules && isUsNumber) {
    rules.push({ ...TCPA_WINDOW, label: "TCPA" });
    const state = stateRuleFor(region);
    const stateWindow = state?.windows[weekday];
    if (state && stateWindow === null) closedBy = state.label;
    if (state && stateWindow) rules.push({ ...stateWindow, label: state.label });
  }
  if (closedBy) return { window: null, rules, closedBy };
  if (rules.length === 0) return { window: { start: 0, end: 24 * 60 }, rules };
  const start = Math.max(...rules.map((rule) => rule.start));
  const end = Math.min(...rules.map((rule) => rule.end));
  return { window: start >= end ? null : { start, end }, rules };
}

function checkQuietHours(
  now: Date,
  recipient: RecipientTimezone,
  settings: MessagingSettings,
  isUsNumber: boolean,
): { allowed: true; line: string } | { allowed: false; line: string; retryAt?: Date } {
  const zone = recipient.timezone;
  const local = toLocal(now, zone);
  const minutes = local.hour * 60 + local.minute;
  const today = windowOn(local.weekday, settings, recipient.region, isUsNumber);
  const clock = `${formatClock(minutes)} ${zone} (${describeZoneSource(recipient)})`;

  if (!settings.quietHours.enabled && !(settings.quietHours.stateRules && isUsNumber)) {
    return { allowed: true, line: `quiet hours: off (${clock})` };
  }
  const rulesText = today.rules
    .map((rule) => `${rule.label} ${formatClock(rule.start)}–${formatClock(rule.end)}`)
    .join(", ");
  if (today.window && minutes >= today.window.start && minutes < today.window.end) {
    return {
      allowed: true,
      line: `quiet hours: ${clock} within ${formatClock(today.window.start)}–${formatClock(today.window.end)} (${rulesText || "no limits"})`,
    };
  }

  const reason = today.window
    ? `outside ${formatClock(today.window.start)}–${formatClock(today.window.end)} (${rulesText})`
    : today.closedBy
      ? `no marketing texts on ${WEEKDAY_NAMES[local.weekday]} (${today.closedBy})`
      : `the rules in force leave no window on ${WEEKDAY_NAMES[local.weekday]} (${rulesText})`;
  for (let offset = 0; offset <= 7; offset++) {
    const date = addDays(local, offset);
    const { window } = offset === 0 ? today : windowOn(date.weekday, settings, recipient.region, isUsNumber);
    if (!window || (offset === 0 && minutes >= window.start)) continue;
    const retryAt = fromLocal(date, { hour: Math.floor(window.start / 60), minute: window.start % 60 }, zone);
    if (retryAt.getTime() <= now.getTime()) continue;
    const when = `${formatClock(window.start)} on ${WEEKDAY_NAMES[date.weekday]} ${date.year}-${pad(date.month)}-${pad(date.day)}`;
    return { allowed: false, line: `quiet hours: ${clock} ${reason}; next window ${when} local`, retryAt };
  }
  return { allowed: false, line: `quiet hours: ${clock} ${reason}; no sending window in the coming week` };
}

const WEEKDAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function describeZoneSource(recipient: RecipientTimezone): string {
  switch (recipient.source) {
    case "contact":
      return "contact's time zone";
    case "area_code":
      return `area code ${recipient.areaCode}, ${recipient.region}`;
    case "country":
      return `number from ${recipient.country}`;
    case "workspace":
      return "workspace time zone";
  }
}

// ─── Helpers ─────────────────────────────────────────────────────────────────

/** Marketing sends in the `days` × 24 h before `now` that match, newest first. */
function sendsWithin(
  sends: RecentSend[],
  now: Date,
  days: number,
  matches: (send: RecentSend) => boolean,
): RecentSend[] {
  const until = now.getTime();
  const since = until - days * DAY_MS;
  return sends
    .filter(
      (send) => send.kind === "marketing" && send.at.getTime() > since && send.at.getTime() <= until && matches(send),
    )
    .sort((a, b) => b.at.getTime() - a.at.getTime());
}

function describeKind(sendKind: TopicKind, topicKind: TopicKind, topicKey: string): string {
  if (sendKind === "transactional" && topicKind === "transactional") return `kind: transactional (topic "${topicKey}")`;
  if (sendKind === "transactional")
    return `kind: marketing (a transactional send to marketing topic "${topicKey}" follows marketing rules)`;
  if (topicKind === "transactional")
    return `kind: marketing (a marketing send on transactional topic "${topicKey}" follows marketing rules)`;
  return `kind: marketing (topic "${topicKey}")`;
}

function describeConsent(consent: NonNullable<PolicyInput["consent"]>): string {
  return `${consent.status} via ${consent.source} at ${consent.occurredAt.toISOString()}`;
}

function channelName(channel: Channel): string {
  return channel === "sms" ? "SMS" : "email";
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
