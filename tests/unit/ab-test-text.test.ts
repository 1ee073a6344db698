import { describe, expect, it } from "vitest";
import { abDecisionSentence, formatP, liftSentence } from "@/components/campaigns/ab-test-text";
import type { TAbTestResults } from "@/server/services/campaigns";

const base: TAbTestResults = {
  campaignId: "00000000-0000-4000-8000-000000000001",
  settings: { variants: [{ key: "A" }, { key: "B" }], share: 20, metric: "opened", waitHours: 4, defaultVariant: "A" },
  status: "testing",
  winner: null,
  decidedAt: null,
  decideAfter: null,
  sendWindowEnd: null,
  lift: null,
  testRunId: "00000000-0000-4000-8000-000000000002",
  remainderRunId: null,
  variants: [],
  significance: {
    test: "two_proportion_z",
    metric: "opened",
    pValue: 0.41,
    statistic: 0.8,
    difference: 0.01,
    ci95: [-0.01, 0.03],
    significant: false,
    leader: null,
  },
};

describe("the A/B test's plain sentence", () => {
  it("says there is no significant difference yet, and what then goes to the rest", () => {
    expect(abDecisionSentence(base)).toBe(
      "No significant difference yet (p = 0.410): unless that changes, variant A (default) goes to the rest.",
    );
  });
  it("names the winner with its p-value, the default after no difference, and a hand-picked variant", () => {
    const significance = { ...base.significance!, pValue: 0.012, significant: true, leader: "B" as const };
    expect(abDecisionSentence({ ...base, status: "winner_chosen", winner: "B", significance })).toBe(
      "Variant B wins (p = 0.012): it goes to the rest of the audience.",
    );
    expect(abDecisionSentence({ ...base, status: "no_difference", winner: "A" })).toBe(
      "No significant difference at 95% (p = 0.410): variant A (default) goes to the rest.",
    );
    expect(abDecisionSentence({ ...base, status: "overridden", winner: "B" })).toBe(
      "Variant B was chosen by hand: it goes to the rest of the audience.",
    );
    expect(abDecisionSentence({ ...base, significance })).toBe(
      "Variant B leads (p = 0.012); the winner is chosen when the wait is over.",
    );
    expect(abDecisionSentence({ ...base, testRunId: null, significance: null })).toBe(
      "The test group has not been sent yet.",
    );
    expect(formatP(0.0001)).toBe("< 0.001");
  });
});

describe("the send-time test's lift", () => {
  it("states the relative lift of the best hour over the fixed time with its interval, or why there is none", () => {
    expect(
      liftSentence({ metric: "opened", fixedRate: 0.2, bestHourRate: 0.25, relative: 0.25, ci95: [-0.1, 0.6] }),
    ).toBe("Best hour vs fixed time: +25% opened (95% CI −10% to +60%).");
    expect(liftSentence({ metric: "clicked", fixedRate: 0.1, bestHourRate: 0.08, relative: -0.2, ci95: null })).toBe(
      "Best hour vs fixed time: −20% clicked.",
    );
    expect(liftSentence({ metric: "opened", fixedRate: 0, bestHourRate: 0.1, relative: null, ci95: null })).toBe(
      "Best hour vs fixed time: no lift to compute yet (the fixed time has no opened messages).",
    );
  });
});

describe("the send-time test's sentence", () => {
  const variant = (key: "A" | "B", label: string, mode: "fixed" | "best_hour") => ({
    key,
    subject: null,
    senderName: null,
    label,
    sendTime: mode === "fixed" ? { mode } : { mode, windowHours: 24, fallbackHour: 10 },
    assigned: 0,
    sent: 0,
    delivered: 0,
    opened: 0,
    clicked: 0,
    replied: 0,
    unsubscribed: 0,
    rates: { delivered: null, opened: null, clicked: null, replied: null, unsubscribed: null },
    isDefault: key === "A",
    isWinner: false,
  });
  const timed = { ...base, variants: [variant("A", "Fixed time", "fixed"), variant("B", "Best hour", "best_hour")] };
  it("names the variants by their timing", () => {
    expect(abDecisionSentence(timed)).toBe(
      "No significant difference yet (p = 0.410): unless that changes, fixed time (variant A, default) goes to the rest.",
    );
    const significance = { ...base.significance!, pValue: 0.012, significant: true, leader: "B" as const };
    expect(abDecisionSentence({ ...timed, status: "winner_chosen", winner: "B", significance })).toBe(
      "Best hour (variant B) wins (p = 0.012): it goes to the rest of the audience.",
    );
  });
});
