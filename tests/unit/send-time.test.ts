import { describe, expect, it } from "vitest";
import {
  bestHour,
  MIN_PRIOR_EVENTS,
  posterior,
  PRIOR_WEIGHT,
  quietHoursAllowed,
  workspacePrior,
} from "@/server/shared/send-time";

function counts(entries: Record<number, number>): number[] {
  return Array.from({ length: 24 }, (_, h) => entries[h] ?? 0);
}
const ALL_HOURS = Array.from({ length: 24 }, (_, h) => h);

describe("send-time model", () => {
  it("uses the workspace distribution as the prior once it has enough events", () => {
    const prior = workspacePrior(counts({ 9: 30, 18: 10 }), 10);
    expect(prior[9]).toBeCloseTo(0.75);
    expect(prior[18]).toBeCloseTo(0.25);
    expect(prior.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });

  it("falls back to a point mass on the fallback hour when the workspace has too little data", () => {
    const prior = workspacePrior(counts({ 15: MIN_PRIOR_EVENTS - 1 }), 10);
    expect(prior[10]).toBe(1);
    expect(prior[15]).toBe(0);
  });

  it("computes the Bayesian average (c_h + k·prior_h) / (n + k)", () => {
    const prior = workspacePrior(counts({ 9: 40 }), 10); // all mass at 9
    const post = posterior(counts({ 20: 3 }), prior);
    expect(PRIOR_WEIGHT).toBe(5);
    expect(post[20]).toBeCloseTo(3 / 8);
    expect(post[9]).toBeCloseTo(5 / 8);
    expect(post.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });

  it("keeps a thin history near the workspace hour and lets a strong one win", () => {
    const prior = workspacePrior(counts({ 9: 40 }), 10);
    expect(bestHour(counts({ 20: 2 }), prior, ALL_HOURS)).toBe(9);
    expect(bestHour(counts({ 20: 4 }), prior, ALL_HOURS)).toBe(9);
    expect(bestHour(counts({ 20: 6 }), prior, ALL_HOURS)).toBe(20);
    expect(bestHour(counts({}), prior, ALL_HOURS)).toBe(9);
  });

  it("chooses only among allowed hours (quiet hours)", () => {
    const prior = workspacePrior(counts({ 22: 40 }), 10);
    const allowed = quietHoursAllowed({ start: 8 * 60, end: 21 * 60 });
    expect(allowed.filter(Boolean).length).toBe(13);
    expect(allowed[7]).toBe(false);
    expect(allowed[8]).toBe(true);
    expect(allowed[20]).toBe(true);
    expect(allowed[21]).toBe(false);
    const hours = ALL_HOURS.filter((h) => allowed[h]);
    // The workspace's best hour (22) is quiet; the contact's own 23:00 clicks too: its best allowed hour is its 14:00.
    expect(bestHour(counts({ 23: 10, 14: 1 }), prior, hours)).toBe(14);
    expect(quietHoursAllowed(null).every(Boolean)).toBe(true);
    expect(bestHour(counts({}), prior, [])).toBeNull();
  });

  it("breaks ties by the earliest slot after the window's start", () => {
    const prior = workspacePrior(counts({ 9: 20, 15: 20 }), 10);
    // A window starting at 12:00 local: the slots run 12…23, 0…11.
    const slots = [...ALL_HOURS.slice(12), ...ALL_HOURS.slice(0, 12)];
    expect(bestHour(counts({}), prior, slots)).toBe(15);
    expect(bestHour(counts({}), prior, ALL_HOURS)).toBe(9);
    expect(bestHour(counts({ 3: 1, 4: 1 }), workspacePrior(counts({}), 10), [4, 3])).toBe(4);
  });
});
