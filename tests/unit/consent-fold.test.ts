import { describe, expect, it } from "vitest";
import { applyConsentEvent, foldConsent, type LedgerEvent } from "@/server/services/consent/fold";

let n = 0;
const at = (iso: string) => new Date(iso);
function ev(
  action: LedgerEvent["action"],
  occurred: string,
  recorded = occurred,
  extra: Partial<LedgerEvent> = {},
): LedgerEvent & { key: "k" } {
  return {
    id: `e${++n}`,
    action,
    source: "api",
    needsConfirmation: false,
    occurredAt: at(occurred),
    recordedAt: at(recorded),
    key: "k",
    ...extra,
  };
}

describe("consent projection rule", () => {
  it("an opt-in grants consent and an opt-out withdraws it", () => {
    expect(foldConsent([ev("opted_in", "2026-01-01T10:00Z")]).get("k")?.status).toBe("opted_in");
    expect(
      foldConsent([ev("opted_in", "2026-01-01T10:00Z"), ev("opted_out", "2026-01-02T10:00Z")]).get("k")?.status,
    ).toBe("opted_out");
  });

  it("an opt-out always takes effect, even with an older timestamp than the current opt-in", () => {
    const state = foldConsent([
      ev("opted_in", "2026-03-01T00:00Z"),
      ev("opted_out", "2026-01-01T00:00Z", "2026-03-02T00:00Z"),
    ]);
    expect(state.get("k")?.status).toBe("opted_out");
  });

  it("an opt-in that happened before a recorded opt-out never revives consent (late import, delayed form post, race)", () => {
    const optOut = ev("opted_out", "2026-02-01T00:00Z", "2026-02-01T00:00Z");
    expect(foldConsent([optOut, ev("opted_in", "2026-01-15T00:00Z", "2026-02-10T00:00Z")]).get("k")?.status).toBe(
      "opted_out",
    );
    // Same instant counts as "before": a concurrent opt-in loses.
    expect(foldConsent([optOut, ev("opted_in", "2026-02-01T00:00Z", "2026-02-01T00:00Z")]).get("k")?.status).toBe(
      "opted_out",
    );
  });

  it("an opt-in made after the opt-out was recorded is honoured", () => {
    const state = foldConsent([ev("opted_out", "2026-02-01T00:00Z"), ev("opted_in", "2026-02-01T00:00:01Z")]);
    expect(state.get("k")?.status).toBe("opted_in");
  });

  it("an unconfirmed opt-in is pending, which is not consent, and never downgrades an opt-in", () => {
    expect(
      foldConsent([ev("opted_in", "2026-01-01T00:00Z", undefined, { needsConfirmation: true })]).get("k")?.status,
    ).toBe("pending");
    const kept = foldConsent([
      ev("opted_in", "2026-01-01T00:00Z"),
      ev("opted_in", "2026-01-02T00:00Z", undefined, { needsConfirmation: true }),
    ]);
    expect(kept.get("k")?.status).toBe("opted_in");
  });

  it("confirmation turns pending into opted_in; expiry ends only a pending request", () => {
    const pending = ev("opted_in", "2026-01-01T00:00Z", undefined, { needsConfirmation: true });
    expect(foldConsent([pending, ev("confirmed", "2026-01-01T01:00Z")]).get("k")?.status).toBe("opted_in");
    expect(foldConsent([pending, ev("expired", "2026-01-03T00:00Z")]).has("k")).toBe(false);
    expect(
      foldConsent([ev("opted_in", "2026-01-01T00:00Z"), ev("expired", "2026-01-03T00:00Z")]).get("k")?.status,
    ).toBe("opted_in");
    expect(
      foldConsent([ev("opted_out", "2026-01-01T00:00Z"), ev("expired", "2026-01-03T00:00Z")]).get("k")?.status,
    ).toBe("opted_out");
  });

  it("an unconfirmed opt-in after an opt-out leaves the opt-out in place until it is confirmed", () => {
    const out = ev("opted_out", "2026-01-01T00:00Z");
    const request = ev("opted_in", "2026-01-02T00:00Z", undefined, { needsConfirmation: true });
    expect(foldConsent([out, request]).get("k")?.status).toBe("opted_out");
    expect(foldConsent([out, request, ev("expired", "2026-01-04T00:00Z")]).get("k")?.status).toBe("opted_out");
    expect(foldConsent([out, request, ev("confirmed", "2026-01-02T01:00Z")]).get("k")?.status).toBe("opted_in");
  });

  it("a confirmation clicked before a later opt-out was recorded does not revive consent", () => {
    const events = [
      ev("opted_in", "2026-01-01T00:00Z", undefined, { needsConfirmation: true }),
      ev("opted_out", "2026-01-02T00:00Z"),
      ev("confirmed", "2026-01-01T12:00Z", "2026-01-03T00:00Z"),
    ];
    expect(foldConsent(events).get("k")?.status).toBe("opted_out");
  });

  it("the state points at the event it rests on (consent proof)", () => {
    const first = ev("opted_in", "2026-01-01T00:00Z");
    const stale = ev("opted_in", "2025-12-01T00:00Z", "2026-01-05T00:00Z");
    const out = ev("opted_out", "2026-01-04T00:00Z");
    const state = applyConsentEvent(applyConsentEvent(applyConsentEvent(null, first), out), stale);
    expect(state?.eventId).toBe(out.id);
  });
});
