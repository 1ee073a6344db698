import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import type { DeliveryEvent } from "@/server/providers/types";
import { storeDeliveryEvents } from "@/server/services/webhooks/store-delivery-events";
import { createTestDb } from "@/tests/helpers/db";

/**
 * The acknowledgement's group commit (`storeDeliveryEvents` with `groupCommit`): concurrent calls
 * share INSERTs, and every call still gets its own outcomes: each event accepted exactly once
 * (by the first call that carried it), stored once, and a call whose rows cannot be written fails
 * alone.
 */
let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle.close();
});

const event = (key: string, status: "sent" | "delivered" = "delivered"): DeliveryEvent => ({
  provider: "twilio",
  dedupeKey: key,
  type: status,
  providerMessageId: `SM-${key}`,
  occurredAt: new Date("2026-12-07T08:00:00Z"),
  status,
  timeline: status,
  effect: null,
  detail: {},
});

const store = (events: DeliveryEvent[]) =>
  storeDeliveryEvents({ ctx: { db: handle.db, now: () => new Date() }, input: { events, groupCommit: true } });

const stored = async (prefix: string) =>
  (
    await handle.queryRows<{ dedupe_key: string }>(
      "select dedupe_key from webhook_events where dedupe_key like $1 order by dedupe_key",
      [`${prefix}%`],
    )
  ).map((r) => r.dedupe_key);

describe("group commit of webhook acknowledgements", () => {
  it("60 concurrent calls with keys shared between calls: each key stored once and accepted for exactly one call", async () => {
    // Call i carries keys g-i and g-(i+1) (a neighbour's event, as a provider retry would), and
    // every fifth call repeats its own key inside the call.
    const calls = Array.from({ length: 60 }, (_, i) => {
      const events = [event(`g-${i}`), event(`g-${i + 1}`, "sent")];
      if (i % 5 === 0) events.push(event(`g-${i}`));
      return events;
    });
    const outcomes = await Promise.all(calls.map((events) => store(events)));

    const acceptedFor = new Map<string, number>();
    outcomes.forEach((list, i) => {
      expect(list).toHaveLength(calls[i]!.length);
      list.forEach((outcome, j) => {
        if (outcome === "accepted") {
          const key = calls[i]![j]!.dedupeKey;
          acceptedFor.set(key, (acceptedFor.get(key) ?? 0) + 1);
        }
      });
      // A key repeated inside one call is never accepted twice for it.
      if (i % 5 === 0) expect(list[2]).toBe("duplicate");
    });
    const unique = new Set(calls.flat().map((e) => e.dedupeKey));
    expect(acceptedFor.size).toBe(unique.size);
    expect([...acceptedFor.values()].every((n) => n === 1)).toBe(true);
    expect(await stored("g-")).toEqual([...unique].sort());

    // A second round of the same calls (provider retries): nothing new, every outcome a duplicate.
    const again = await Promise.all(calls.map((events) => store(events)));
    expect(again.flat().every((o) => o === "duplicate")).toBe(true);
    expect(await stored("g-")).toHaveLength(unique.size);
  });

  it("a call whose rows cannot be written fails alone; the calls grouped with it are stored", async () => {
    const good = Array.from({ length: 10 }, (_, i) => [event(`f-${i}`)]);
    // No type: the NOT NULL constraint refuses the row (a group holding it fails as a whole).
    const bad = [{ ...event("f-bad"), type: null as unknown as string }];
    const results = await Promise.allSettled(
      [...good.slice(0, 5), bad, ...good.slice(5)].map((events) => store(events)),
    );
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
    expect(results[5]!.status).toBe("rejected");
    expect(
      results
        .filter((r) => r.status === "fulfilled")
        .every((r) => (r as PromiseFulfilledResult<string[]>).value[0] === "accepted"),
    ).toBe(true);
    expect(await stored("f-")).toEqual(good.map((g) => g[0]!.dedupeKey).sort());
  });
});
