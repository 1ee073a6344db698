import { describe, expect, it } from "vitest";
import { decide, maxWindowDays } from "@/server/services/policy/decide";
import { defaultMessagingSettings } from "@/server/shared/messaging-settings";
import {
  POLICY_VERSION,
  type MessagingSettings,
  type PolicyDecision,
  type PolicyInput,
  type RecentSend,
} from "@/server/services/policy/types";

const FLORIDA = "+13055550100"; // 305 Miami: Florida, America/New_York
const NEW_YORK = "+12125550100"; // 212 Manhattan
const CHICAGO = "+13125550100"; // 312 Chicago, Illinois
const OKLAHOMA = "+14055550100"; // 405 Oklahoma City
const MARYLAND = "+14105550100"; // 410 Baltimore
const TEXAS = "+12145550100"; // 214 Dallas: America/Chicago
const RHODE_ISLAND = "+14015550100";
const TOLL_FREE = "+18005550199";
const LONDON = "+442079460958";

const marketingSmsTopic = { id: "t-promo", key: "promotions", kind: "marketing" as const, channels: ["sms" as const] };
const marketingEmailTopic = {
  id: "t-news",
  key: "newsletter",
  kind: "marketing" as const,
  channels: ["email" as const],
};
const transactionalTopic = {
  id: "t-acct",
  key: "account-notices",
  kind: "transactional" as const,
  channels: ["email" as const, "sms" as const],
};

const optedIn = {
  status: "opted_in" as const,
  source: "form" as const,
  eventId: "ev-1",
  occurredAt: new Date("2026-06-01T12:00:00Z"),
};

type Overrides = Partial<Omit<PolicyInput, "contact" | "settings">> & {
  contact?: Partial<PolicyInput["contact"]>;
  settings?: Partial<Omit<MessagingSettings, "quietHours">> & { quietHours?: Partial<MessagingSettings["quietHours"]> };
};

/** A marketing SMS to an opted-in Chicago number on a Thursday at 12:00 Chicago time: sends. */
function build(overrides: Overrides = {}): PolicyInput {
  const defaults = defaultMessagingSettings("America/New_York");
  const { contact, settings, ...rest } = overrides;
  const phone = contact?.phone === undefined ? CHICAGO : contact.phone;
  return {
    now: new Date("2026-12-03T18:00:00Z"),
    channel: "sms",
    kind: "marketing",
    topic: marketingSmsTopic,
    address: phone,
    consent: optedIn,
    suppression: null,
    recentSends: [],
    ...rest,
    contact: { id: "c-1", erased: false, timezone: null, ...contact, phone },
    settings: {
      ...defaults,
      ...settings,
      quietHours: { ...defaults.quietHours, ...settings?.quietHours },
    },
  };
}

function blocked(decision: PolicyDecision) {
  if (decision.outcome !== "block") throw new Error(`expected a block, got send: ${decision.checks.join(" | ")}`);
  return decision;
}

const hoursAgo = (now: Date, hours: number) => new Date(now.getTime() - hours * 3_600_000);
function sms(now: Date, hours: number, topicKey = "promotions", kind: RecentSend["kind"] = "marketing"): RecentSend {
  return { at: hoursAgo(now, hours), channel: "sms", topicKey, kind };
}
function email(now: Date, hours: number, topicKey = "newsletter", kind: RecentSend["kind"] = "marketing"): RecentSend {
  return { at: hoursAgo(now, hours), channel: "email", topicKey, kind };
}

describe("decide: the happy path", () => {
  it("sends a marketing SMS to an opted-in contact inside quiet hours, stamping the policy version", () => {
    const decision = decide(build());
    expect(decision.outcome).toBe("send");
    expect(decision.policyVersion).toBe(POLICY_VERSION);
    expect(decision.effectiveKind).toBe("marketing");
    expect(decision.timezone).toBe("America/Chicago");
    expect(decision.checks).toEqual([
      "contact: active",
      "address: SMS address on file",
      "suppression: none",
      'kind: marketing (topic "promotions")',
      "consent: opted_in via form at 2026-06-01T12:00:00.000Z",
      "quiet hours: 12:00 America/Chicago (area code 312, IL) within 08:00–21:00 (workspace 08:00–21:00, TCPA 08:00–21:00)",
      "frequency cap: none set",
    ]);
  });

  it("is deterministic and leaves its input untouched", () => {
    const now = new Date("2026-12-03T18:00:00Z");
    const input = build({ contact: { phone: FLORIDA }, recentSends: [sms(now, 5), sms(now, 1), sms(now, 3)] });
    const snapshot = structuredClone(input);
    expect(decide(input)).toEqual(decide(input));
    expect(input).toEqual(snapshot);
  });

  it("never writes the recipient's address into the checks", () => {
    for (const input of [
      build({ contact: { phone: FLORIDA } }),
      build({ suppression: { reason: "sms_stop" } }),
      build({ now: new Date("2026-12-04T04:00:00Z") }),
    ]) {
      expect(decide(input).checks.join("\n")).not.toContain("5550100");
    }
  });
});

describe("decide: every block reason", () => {
  it("erased: an erased contact is never messaged", () => {
    expect(blocked(decide(build({ contact: { erased: true } }))).reason).toBe("erased");
  });

  it("invalid_address: no address on the channel", () => {
    const decision = blocked(decide(build({ address: null })));
    expect(decision.reason).toBe("invalid_address");
    expect(decision.checks.at(-1)).toBe("address: no valid SMS address");
  });

  it("invalid_address: the topic is not offered on the channel (even for a transactional topic)", () => {
    const decision = blocked(decide(build({ channel: "email", address: "a@example.test", topic: marketingSmsTopic })));
    expect(decision.reason).toBe("invalid_address");
    expect(decision.checks.at(-1)).toBe('address: topic "promotions" is not offered on email');
    const transactional = { ...transactionalTopic, channels: ["email" as const] };
    expect(blocked(decide(build({ kind: "transactional", topic: transactional, consent: null }))).reason).toBe(
      "invalid_address",
    );
  });

  it("suppressed: a suppressed address is blocked", () => {
    const decision = blocked(decide(build({ suppression: { reason: "hard_bounce" } })));
    expect(decision.reason).toBe("suppressed");
    expect(decision.checks.at(-1)).toBe("suppression: suppressed (hard_bounce)");
  });

  it("opted_out: a marketing send to someone who opted out", () => {
    const decision = blocked(decide(build({ consent: { ...optedIn, status: "opted_out", source: "sms_keyword" } })));
    expect(decision.reason).toBe("opted_out");
    expect(decision.checks.at(-1)).toBe("consent: opted_out via sms_keyword at 2026-06-01T12:00:00.000Z");
  });

  it("no_consent: nothing recorded", () => {
    const decision = blocked(decide(build({ consent: null })));
    expect(decision.reason).toBe("no_consent");
    expect(decision.checks.at(-1)).toBe('consent: none recorded for "promotions" on SMS');
  });

  it("no_consent: a pending (unconfirmed double opt-in) grant is not consent", () => {
    const decision = blocked(decide(build({ consent: { ...optedIn, status: "pending" } })));
    expect(decision.reason).toBe("no_consent");
    expect(decision.checks.at(-1)).toContain("pending");
  });

  it("quiet_hours: a marketing SMS outside the recipient's window", () => {
    const decision = blocked(decide(build({ now: new Date("2026-12-04T04:00:00Z") }))); // 22:00 Chicago
    expect(decision.reason).toBe("quiet_hours");
    expect(decision.retryAt).toEqual(new Date("2026-12-04T14:00:00Z")); // 08:00 Chicago
  });

  it("frequency_cap: a workspace cap is reached (dropped, no retryAt)", () => {
    const now = new Date("2026-12-03T18:00:00Z");
    const decision = blocked(
      decide(
        build({
          settings: { frequencyCaps: [{ channel: "sms", topicKey: null, max: 2, days: 7 }] },
          recentSends: [sms(now, 30), sms(now, 100)],
        }),
      ),
    );
    expect(decision.reason).toBe("frequency_cap");
    expect(decision.retryAt).toBeUndefined();
  });
});

describe("decide: a legal notice ignores frequency caps", () => {
  const now = new Date("2026-12-03T18:00:00Z");
  const capped = {
    settings: { frequencyCaps: [{ channel: "any" as const, topicKey: null, max: 1, days: 7 }] },
    recentSends: [sms(now, 30)],
  };

  it("a capped contact gets the legal notice, and the checks say the caps were ignored", () => {
    expect(blocked(decide(build(capped))).reason).toBe("frequency_cap");
    const decision = decide(build({ ...capped, ignoreFrequencyCaps: true }));
    expect(decision.outcome).toBe("send");
    expect(decision.checks.at(-1)).toBe("frequency cap: ignored (legal notice)");
    expect(decision.checks.some((line) => line.startsWith("frequency cap: 1 of 1"))).toBe(false);
  });

  it("only the caps: consent, suppression, quiet hours and the state limit still block", () => {
    const ignoring = (overrides: Overrides) => decide(build({ ...capped, ...overrides, ignoreFrequencyCaps: true }));
    expect(blocked(ignoring({ consent: null })).reason).toBe("no_consent");
    expect(blocked(ignoring({ consent: { ...optedIn, status: "opted_out" } })).reason).toBe("opted_out");
    expect(blocked(ignoring({ suppression: { reason: "sms_stop" } })).reason).toBe("suppressed");
    expect(blocked(ignoring({ now: new Date("2026-12-04T04:00:00Z") })).reason).toBe("quiet_hours");
    const florida = blocked(
      ignoring({ contact: { phone: FLORIDA }, recentSends: [sms(now, 1), sms(now, 2), sms(now, 3)] }),
    );
    expect(florida.reason).toBe("frequency_cap");
    expect(florida.checks.at(-1)).toMatch(/^state limit: 3 of 3/);
  });

  it("a transactional send still reads as not applied (transactional)", () => {
    const decision = decide(
      build({ kind: "transactional", topic: transactionalTopic, consent: null, ignoreFrequencyCaps: true }),
    );
    expect(decision.checks).toContain("frequency cap: not applied (transactional)");
  });
  it("a legal notice's messages do not use up the workspace caps of later sends; the state limit counts them", () => {
    const notice = (hours: number): RecentSend => ({ ...sms(now, hours), countsTowardCaps: false });
    const afterNotices = decide(build({ ...capped, recentSends: [notice(2), notice(30)] }));
    expect(afterNotices.outcome).toBe("send");
    expect(afterNotices.checks).toContain("frequency cap: 0 of 1 marketing messages on any channel in 7 days");
    // One ordinary message among them is counted, and caps the send.
    const mixed = blocked(decide(build({ ...capped, recentSends: [notice(2), sms(now, 3)] })));
    expect(mixed.checks.at(-1)).toBe("frequency cap: 1 of 1 marketing messages on any channel in 7 days");
    // The statutory limit (3 texts per topic per 24 h in Florida) counts notices like any text.
    const florida = blocked(
      decide(build({ contact: { phone: FLORIDA }, recentSends: [notice(1), notice(2), notice(3)] })),
    );
    expect(florida.checks.at(-1)).toMatch(/^state limit: 3 of 3/);
  });
});

describe("decide: the order of checks", () => {
  it("erased beats everything else", () => {
    const decision = blocked(
      decide(build({ contact: { erased: true }, address: null, suppression: { reason: "erased" }, consent: null })),
    );
    expect(decision.reason).toBe("erased");
    expect(decision.checks).toEqual(["contact: erased"]);
  });

  it("an invalid address beats suppression", () => {
    expect(blocked(decide(build({ address: null, suppression: { reason: "manual" } }))).reason).toBe("invalid_address");
  });

  it("suppression beats consent: a suppressed, opted-out contact reads as suppressed", () => {
    expect(
      blocked(decide(build({ suppression: { reason: "sms_stop" }, consent: { ...optedIn, status: "opted_out" } })))
        .reason,
    ).toBe("suppressed");
  });

  it("consent beats quiet hours: no consent at 23:00 reads as no_consent", () => {
    expect(blocked(decide(build({ consent: null, now: new Date("2026-12-04T05:00:00Z") }))).reason).toBe("no_consent");
  });

  it("quiet hours beat frequency caps", () => {
    const now = new Date("2026-12-04T05:00:00Z");
    const decision = blocked(
      decide(
        build({
          now,
          settings: { frequencyCaps: [{ channel: "any", topicKey: null, max: 1, days: 1 }] },
          recentSends: [sms(now, 2)],
        }),
      ),
    );
    expect(decision.reason).toBe("quiet_hours");
  });
});

describe("decide: transactional sends", () => {
  const transactional = (overrides: Overrides = {}) =>
    build({ kind: "transactional", topic: transactionalTopic, consent: null, ...overrides });

  it("skip marketing consent", () => {
    const decision = decide(transactional());
    expect(decision.outcome).toBe("send");
    expect(decision.effectiveKind).toBe("transactional");
    expect(decision.checks).toContain("consent: not required (transactional)");
  });

  it("still go out when the contact opted out of marketing, and the timeline says so", () => {
    const decision = decide(transactional({ consent: { ...optedIn, status: "opted_out" } }));
    expect(decision.outcome).toBe("send");
    expect(decision.checks).toContain(
      "consent: not required (transactional); recorded opted_out via form at 2026-06-01T12:00:00.000Z",
    );
  });

  it("never skip suppression", () => {
    expect(blocked(decide(transactional({ suppression: { reason: "complaint" } }))).reason).toBe("suppressed");
  });

  it("never skip erasure or a missing address", () => {
    expect(blocked(decide(transactional({ contact: { erased: true } }))).reason).toBe("erased");
    expect(blocked(decide(transactional({ address: null }))).reason).toBe("invalid_address");
  });

  it("are not held by quiet hours or frequency caps", () => {
    const now = new Date("2026-12-04T08:00:00Z"); // 02:00 Chicago
    const decision = decide(
      transactional({
        now,
        settings: { frequencyCaps: [{ channel: "any", topicKey: null, max: 1, days: 1 }] },
        recentSends: [sms(now, 1, "account-notices"), sms(now, 1)],
      }),
    );
    expect(decision.outcome).toBe("send");
    expect(decision.checks).toContain("quiet hours: not applied (transactional)");
    expect(decision.checks).toContain("frequency cap: not applied (transactional)");
  });

  it("a 'transactional' send to a marketing topic is judged as marketing", () => {
    const decision = blocked(decide(build({ kind: "transactional", consent: null })));
    expect(decision.reason).toBe("no_consent");
    expect(decision.effectiveKind).toBe("marketing");
    expect(decision.checks).toContain(
      'kind: marketing (a transactional send to marketing topic "promotions" follows marketing rules)',
    );
  });

  it("a marketing send on a transactional topic needs consent and keeps quiet hours", () => {
    expect(blocked(decide(build({ kind: "marketing", topic: transactionalTopic, consent: null }))).reason).toBe(
      "no_consent",
    );
    const late = blocked(
      decide(build({ kind: "marketing", topic: transactionalTopic, now: new Date("2026-12-04T05:00:00Z") })),
    );
    expect(late.reason).toBe("quiet_hours");
    expect(decide(build({ kind: "marketing", topic: transactionalTopic })).outcome).toBe("send");
  });
});

describe("decide: a double opt-in confirmation request (purpose consent_request)", () => {
  const pending = { ...optedIn, status: "pending" as const };
  const request = (overrides: Overrides = {}) =>
    build({ purpose: "consent_request", kind: "transactional", consent: pending, ...overrides });

  it("needs no consent: it asks for it, on a marketing topic, with the grant still pending", () => {
    const decision = decide(request());
    expect(decision.outcome).toBe("send");
    expect(decision.effectiveKind).toBe("transactional");
    expect(decision.checks).toEqual([
      "contact: active",
      "address: SMS address on file",
      "suppression: none",
      'kind: double opt-in confirmation request (topic "promotions"), judged as transactional',
      "consent: not required (this message asks for it; the grant stays pending until confirmed); recorded pending via form at 2026-06-01T12:00:00.000Z",
      "quiet hours: not applied (requested by the person just now)",
      "frequency cap: not applied (confirmation requests have their own hourly limit per address)",
    ]);
  });

  it("goes out after an earlier opt-out (the person asks to come back) and with nothing recorded", () => {
    expect(decide(request({ consent: { ...optedIn, status: "opted_out" } })).outcome).toBe("send");
    const fresh = decide(request({ consent: null }));
    expect(fresh.outcome).toBe("send");
    expect(fresh.checks).toContain(
      "consent: not required (this message asks for it; the grant stays pending until confirmed)",
    );
  });

  it("is blocked when the address is suppressed, and the decision says why", () => {
    const decision = blocked(decide(request({ suppression: { reason: "sms_stop" } })));
    expect(decision.reason).toBe("suppressed");
    expect(decision.checks.at(-1)).toBe("suppression: suppressed (sms_stop)");
    expect(
      blocked(
        decide(
          request({
            channel: "email",
            topic: marketingEmailTopic,
            address: "a@example.com",
            suppression: { reason: "hard_bounce" },
          }),
        ),
      ).reason,
    ).toBe("suppressed");
  });

  it("never skips erasure, a missing address or a topic not offered on the channel", () => {
    expect(blocked(decide(request({ contact: { erased: true } }))).reason).toBe("erased");
    expect(blocked(decide(request({ address: null }))).reason).toBe("invalid_address");
    expect(blocked(decide(request({ topic: marketingEmailTopic }))).reason).toBe("invalid_address");
  });

  it("is not held by quiet hours or frequency caps", () => {
    const now = new Date("2026-12-04T08:00:00Z"); // 02:00 Chicago
    const decision = decide(
      request({
        now,
        settings: { frequencyCaps: [{ channel: "any", topicKey: null, max: 1, days: 1 }] },
        recentSends: [sms(now, 1), sms(now, 2)],
      }),
    );
    expect(decision.outcome).toBe("send");
  });

  it("only changes the consent check: the same input as a plain send is refused", () => {
    expect(blocked(decide(build({ kind: "transactional", consent: pending }))).reason).toBe("no_consent");
    expect(blocked(decide(build({ purpose: "send", consent: pending }))).reason).toBe("no_consent");
  });
});

describe("decide: quiet hours", () => {
  it("a Florida (305) number at 20:30 local is blocked until 08:00 local the next day", () => {
    const decision = blocked(decide(build({ contact: { phone: FLORIDA }, now: new Date("2026-12-04T01:30:00Z") })));
    expect(decision.reason).toBe("quiet_hours");
    expect(decision.timezone).toBe("America/New_York");
    expect(decision.retryAt).toEqual(new Date("2026-12-04T13:00:00Z"));
    expect(decision.checks.at(-1)).toBe(
      "quiet hours: 20:30 America/New_York (area code 305, FL) outside 08:00–20:00 (workspace 08:00–21:00, TCPA 08:00–21:00, Florida (FTSA) 08:00–20:00); next window 08:00 on Friday 2026-12-04 local",
    );
  });

  it("a New York (212) number at 20:30 local is allowed", () => {
    expect(decide(build({ contact: { phone: NEW_YORK }, now: new Date("2026-12-04T01:30:00Z") })).outcome).toBe("send");
  });

  it("before the window opens, the retry is today's start", () => {
    const decision = blocked(decide(build({ contact: { phone: NEW_YORK }, now: new Date("2026-12-03T12:59:00Z") }))); // 07:59 New York
    expect(decision.retryAt).toEqual(new Date("2026-12-03T13:00:00Z"));
  });

  it("the window's start is inclusive and its end exclusive", () => {
    expect(decide(build({ contact: { phone: NEW_YORK }, now: new Date("2026-12-03T13:00:00Z") })).outcome).toBe("send"); // 08:00
    expect(decide(build({ contact: { phone: NEW_YORK }, now: new Date("2026-12-04T01:59:59Z") })).outcome).toBe("send"); // 20:59:59
    expect(decide(build({ contact: { phone: NEW_YORK }, now: new Date("2026-12-04T02:00:00Z") })).outcome).toBe(
      "block",
    ); // 21:00
  });

  it("the contact's own time zone beats the area code", () => {
    const tokyo = (now: string) =>
      decide(build({ contact: { phone: NEW_YORK, timezone: "Asia/Tokyo" }, now: new Date(now) }));
    expect(tokyo("2026-12-03T23:00:00Z").outcome).toBe("send"); // 08:00 Tokyo, 18:00 New York
    const late = blocked(tokyo("2026-12-03T13:00:00Z")); // 22:00 Tokyo, 08:00 New York
    expect(late.timezone).toBe("Asia/Tokyo");
    expect(late.retryAt).toEqual(new Date("2026-12-03T23:00:00Z"));
    expect(late.checks.at(-1)).toContain("(contact's time zone)");
  });

  it("an invalid contact time zone is ignored in favour of the number", () => {
    expect(decide(build({ contact: { phone: NEW_YORK, timezone: "Mars/Olympus_Mons" } })).timezone).toBe(
      "America/New_York",
    );
  });

  it("state rules follow the area code even when the contact's zone is known", () => {
    // 20:30 in Chicago for a Florida number whose owner lives in Chicago: Florida's 20:00 end applies.
    const decision = blocked(
      decide(
        build({ contact: { phone: FLORIDA, timezone: "America/Chicago" }, now: new Date("2026-12-04T02:30:00Z") }),
      ),
    );
    expect(decision.retryAt).toEqual(new Date("2026-12-04T14:00:00Z"));
  });

  it("a non-US number is read in its country's zone (London at 22:00 GMT, 17:00 in the workspace's New York)", () => {
    const decision = blocked(decide(build({ contact: { phone: LONDON }, now: new Date("2026-12-03T22:00:00Z") })));
    expect(decision.reason).toBe("quiet_hours");
    expect(decision.timezone).toBe("Europe/London");
    expect(decision.retryAt).toEqual(new Date("2026-12-04T08:00:00Z"));
    expect(decision.checks.at(-1)).toContain("(number from GB)");
    // The TCPA does not apply abroad: only the workspace window does.
    expect(decision.checks.at(-1)).toContain("(workspace 08:00–21:00)");
  });

  it("a number that says nothing about its owner's clock falls back to the workspace zone", () => {
    const settings = { timezone: "America/Los_Angeles" };
    const decision = blocked(
      decide(build({ contact: { phone: TOLL_FREE }, settings, now: new Date("2026-12-04T05:30:00Z") })),
    ); // 21:30 LA
    expect(decision.timezone).toBe("America/Los_Angeles");
    expect(decision.retryAt).toEqual(new Date("2026-12-04T16:00:00Z"));
    expect(decision.checks.at(-1)).toContain("(workspace time zone)");
    expect(
      decide(build({ contact: { phone: TOLL_FREE }, settings, now: new Date("2026-12-04T03:30:00Z") })).outcome,
    ).toBe("send"); // 19:30 LA
  });

  it("spring forward: a Saturday-evening block retries at 08:00 daylight time on Sunday, not 24 h later in standard time", () => {
    // 2026-03-08 is the US change to daylight time. Saturday 21:30 EST = 02:30 UTC Sunday.
    const decision = blocked(decide(build({ contact: { phone: NEW_YORK }, now: new Date("2026-03-08T02:30:00Z") })));
    expect(decision.retryAt).toEqual(new Date("2026-03-08T12:00:00Z")); // 08:00 EDT (UTC−4)
    expect(decide(build({ contact: { phone: NEW_YORK }, now: new Date("2026-03-08T12:00:00Z") })).outcome).toBe("send");
    expect(decide(build({ contact: { phone: NEW_YORK }, now: new Date("2026-03-08T11:59:00Z") })).outcome).toBe(
      "block",
    );
  });

  it("fall back: a block on the night of the change retries at 08:00 standard time", () => {
    // 2026-11-01 is the change back to standard time. Saturday 22:00 EDT = 02:00 UTC Sunday.
    const decision = blocked(decide(build({ contact: { phone: NEW_YORK }, now: new Date("2026-11-01T02:00:00Z") })));
    expect(decision.retryAt).toEqual(new Date("2026-11-01T13:00:00Z")); // 08:00 EST (UTC−5)
  });

  it("email is never held by quiet hours", () => {
    const decision = decide(
      build({
        channel: "email",
        topic: marketingEmailTopic,
        address: "a@example.test",
        now: new Date("2026-12-04T09:00:00Z"),
      }), // 03:00 Chicago
    );
    expect(decision.outcome).toBe("send");
    expect(decision.checks).toContain("quiet hours: not applied (email)");
  });

  it("with quiet hours and statutory rules off, a marketing SMS goes out at 03:00", () => {
    const decision = decide(
      build({ settings: { quietHours: { enabled: false, stateRules: false } }, now: new Date("2026-12-04T09:00:00Z") }),
    );
    expect(decision.outcome).toBe("send");
    expect(decision.checks).toContain("quiet hours: off (03:00 America/Chicago (area code 312, IL))");
  });

  it("with the workspace window off, statutory rules still hold US numbers to the TCPA window", () => {
    const settings = { quietHours: { enabled: false, stateRules: true } };
    const decision = blocked(decide(build({ settings, now: new Date("2026-12-04T09:00:00Z") })));
    expect(decision.retryAt).toEqual(new Date("2026-12-04T14:00:00Z"));
    // …but not a number abroad.
    expect(decide(build({ settings, contact: { phone: LONDON }, now: new Date("2026-12-04T03:00:00Z") })).outcome).toBe(
      "send",
    );
  });

  it("with statutory rules off, the Florida window no longer applies but the workspace's does", () => {
    const settings = { quietHours: { stateRules: false } };
    expect(
      decide(build({ settings, contact: { phone: FLORIDA }, now: new Date("2026-12-04T01:30:00Z") })).outcome,
    ).toBe("send"); // 20:30
    expect(
      decide(build({ settings, contact: { phone: FLORIDA }, now: new Date("2026-12-04T02:30:00Z") })).outcome,
    ).toBe("block"); // 21:30
  });

  it("a stricter workspace window wins over a state window", () => {
    const settings = { quietHours: { start: "10:00", end: "18:00" } };
    const decision = blocked(
      decide(build({ settings, contact: { phone: FLORIDA }, now: new Date("2026-12-03T14:00:00Z") })),
    ); // 09:00
    expect(decision.retryAt).toEqual(new Date("2026-12-03T15:00:00Z")); // 10:00 New York
  });

  it("a wider workspace window cannot widen the statutory one", () => {
    const settings = { quietHours: { start: "06:00", end: "23:00" } };
    expect(
      decide(build({ settings, contact: { phone: NEW_YORK }, now: new Date("2026-12-03T12:00:00Z") })).outcome,
    ).toBe("block"); // 07:00
    const withoutStatutory = { quietHours: { start: "06:00", end: "23:00", stateRules: false } };
    expect(
      decide(build({ settings: withoutStatutory, contact: { phone: NEW_YORK }, now: new Date("2026-12-03T12:00:00Z") }))
        .outcome,
    ).toBe("send");
  });

  it("Texas: Sunday texts wait until noon", () => {
    // Sunday 2026-12-06 10:00 in Dallas (UTC−6).
    const decision = blocked(decide(build({ contact: { phone: TEXAS }, now: new Date("2026-12-06T16:00:00Z") })));
    expect(decision.retryAt).toEqual(new Date("2026-12-06T18:00:00Z"));
    expect(decide(build({ contact: { phone: TEXAS }, now: new Date("2026-12-07T15:00:00Z") })).outcome).toBe("send"); // Monday 09:00
  });

  it("Rhode Island: no Sunday texts; the retry is Monday 09:00", () => {
    const decision = blocked(
      decide(build({ contact: { phone: RHODE_ISLAND }, now: new Date("2026-12-06T17:00:00Z") })),
    ); // Sunday 12:00
    expect(decision.retryAt).toEqual(new Date("2026-12-07T14:00:00Z"));
    expect(decision.checks.at(-1)).toContain("no marketing texts on Sunday (Rhode Island)");
  });

  it("rules that leave no window on any day block without a retry time", () => {
    const settings = { quietHours: { start: "19:00", end: "21:00" } }; // Rhode Island ends at 18:00 (17:00 Saturday)
    const decision = blocked(
      decide(build({ settings, contact: { phone: RHODE_ISLAND }, now: new Date("2026-12-03T17:00:00Z") })),
    );
    expect(decision.reason).toBe("quiet_hours");
    expect(decision.retryAt).toBeUndefined();
    expect(decision.checks.at(-1)).toContain("no sending window in the coming week");
  });
});

describe("decide: statutory per-24-hour limits", () => {
  const now = new Date("2026-12-03T18:00:00Z"); // 13:00 in Florida

  it("Florida: a 4th marketing text on the same topic within 24 h waits until the oldest ages out", () => {
    const decision = blocked(
      decide(build({ now, contact: { phone: FLORIDA }, recentSends: [sms(now, 1), sms(now, 20), sms(now, 5)] })),
    );
    expect(decision.reason).toBe("frequency_cap");
    expect(decision.retryAt).toEqual(new Date(hoursAgo(now, 20).getTime() + 24 * 3_600_000));
    expect(decision.checks.at(-1)).toBe(
      'state limit: 3 of 3 marketing texts on "promotions" in 24 h (Florida (FTSA)); allowed again at 2026-12-03T22:00:00.000Z',
    );
  });

  it("Florida: the 3rd text is allowed, and a text older than 24 h does not count", () => {
    const decision = decide(build({ now, contact: { phone: FLORIDA }, recentSends: [sms(now, 1), sms(now, 5)] }));
    expect(decision.outcome).toBe("send");
    expect(decision.checks).toContain('state limit: 2 of 3 marketing texts on "promotions" in 24 h (Florida (FTSA))');
    expect(
      decide(build({ now, contact: { phone: FLORIDA }, recentSends: [sms(now, 1), sms(now, 5), sms(now, 24)] }))
        .outcome,
    ).toBe("send");
  });

  it("Florida: other topics, emails and transactional texts do not count", () => {
    const recentSends = [
      sms(now, 1, "flash-sale"),
      sms(now, 2, "flash-sale"),
      sms(now, 3, "flash-sale"),
      email(now, 1, "promotions"),
      sms(now, 2, "promotions", "transactional"),
    ];
    expect(decide(build({ now, contact: { phone: FLORIDA }, recentSends })).outcome).toBe("send");
  });

  it("Oklahoma and Maryland have the same limit; New York does not", () => {
    const recentSends = [sms(now, 1), sms(now, 2), sms(now, 3)];
    expect(blocked(decide(build({ now, contact: { phone: OKLAHOMA }, recentSends }))).reason).toBe("frequency_cap");
    expect(blocked(decide(build({ now, contact: { phone: MARYLAND }, recentSends }))).reason).toBe("frequency_cap");
    expect(decide(build({ now, contact: { phone: NEW_YORK }, recentSends })).outcome).toBe("send");
  });

  it("with statutory rules off the state limit does not apply", () => {
    const recentSends = [sms(now, 1), sms(now, 2), sms(now, 3)];
    expect(
      decide(build({ now, contact: { phone: FLORIDA }, recentSends, settings: { quietHours: { stateRules: false } } }))
        .outcome,
    ).toBe("send");
  });
});

describe("decide: workspace frequency caps", () => {
  const now = new Date("2026-12-03T18:00:00Z");
  const emailSend = (overrides: Overrides = {}) =>
    build({ channel: "email", topic: marketingEmailTopic, address: "a@example.test", ...overrides });

  it("a channel cap counts only that channel", () => {
    const settings = { frequencyCaps: [{ channel: "email" as const, topicKey: null, max: 2, days: 7 }] };
    expect(
      blocked(decide(emailSend({ now, settings, recentSends: [email(now, 10), email(now, 100, "offers")] }))).reason,
    ).toBe("frequency_cap");
    expect(decide(emailSend({ now, settings, recentSends: [email(now, 10), sms(now, 5), sms(now, 6)] })).outcome).toBe(
      "send",
    );
    // An SMS is not held by an email cap.
    expect(decide(build({ now, settings, recentSends: [email(now, 10), email(now, 11)] })).outcome).toBe("send");
  });

  it("a topic cap counts only that topic and applies only to it", () => {
    const settings = { frequencyCaps: [{ channel: "email" as const, topicKey: "newsletter", max: 1, days: 30 }] };
    expect(blocked(decide(emailSend({ now, settings, recentSends: [email(now, 24 * 20)] }))).reason).toBe(
      "frequency_cap",
    );
    expect(decide(emailSend({ now, settings, recentSends: [email(now, 24 * 20, "offers")] })).outcome).toBe("send");
    const offers = { ...marketingEmailTopic, key: "offers" };
    expect(
      decide(emailSend({ now, settings, topic: offers, recentSends: [email(now, 1), email(now, 2, "offers")] }))
        .outcome,
    ).toBe("send");
  });

  it("an 'any channel' cap counts email and SMS together", () => {
    const settings = { frequencyCaps: [{ channel: "any" as const, topicKey: null, max: 3, days: 7 }] };
    const decision = blocked(
      decide(build({ now, settings, recentSends: [email(now, 10), sms(now, 30), email(now, 50, "offers")] })),
    );
    expect(decision.reason).toBe("frequency_cap");
    expect(decision.checks.at(-1)).toBe("frequency cap: 3 of 3 marketing messages on any channel in 7 days");
  });

  it("counts only sends inside the period and only marketing sends", () => {
    const settings = { frequencyCaps: [{ channel: "sms" as const, topicKey: "promotions", max: 2, days: 2 }] };
    const decision = decide(
      build({ now, settings, recentSends: [sms(now, 47), sms(now, 48), sms(now, 1, "promotions", "transactional")] }),
    );
    expect(decision.outcome).toBe("send");
    expect(decision.checks).toContain('frequency cap: 1 of 2 marketing messages by SMS on "promotions" in 2 days');
  });

  it("every applicable cap is checked, in order", () => {
    const settings = {
      frequencyCaps: [
        { channel: "sms" as const, topicKey: null, max: 5, days: 7 },
        { channel: "any" as const, topicKey: null, max: 1, days: 1 },
      ],
    };
    const decision = blocked(decide(build({ now, settings, recentSends: [email(now, 3)] })));
    expect(decision.checks.slice(-2)).toEqual([
      "frequency cap: 0 of 5 marketing messages by SMS in 7 days",
      "frequency cap: 1 of 1 marketing messages on any channel in 1 day",
    ]);
  });
});

describe("maxWindowDays", () => {
  it("is at least one day for the state limits, else the longest cap", () => {
    expect(maxWindowDays(defaultMessagingSettings())).toBe(1);
    expect(
      maxWindowDays({
        ...defaultMessagingSettings(),
        frequencyCaps: [
          { channel: "sms", topicKey: null, max: 4, days: 7 },
          { channel: "email", topicKey: "newsletter", max: 1, days: 30 },
        ],
      }),
    ).toBe(30);
  });
});
