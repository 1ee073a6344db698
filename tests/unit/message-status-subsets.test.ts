import fs from "node:fs";
import path from "node:path";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import {
  ACCEPTED_STATUSES,
  AWAITING_DELIVERY_STATUSES,
  CAP_COUNTED_STATUSES,
  DELIVERY_PROBLEM_STATUSES,
  FAILED_STATUSES,
  HANDED_OVER_STATUSES,
  IN_FLIGHT_STATUSES,
  isStatusIn,
  MESSAGE_STATUSES,
  REACHED_STATUSES,
  RETRYABLE_STATUSES,
  TERMINAL_STATUSES,
} from "@/server/shared/enums";
import { AWAITING_DELIVERY_SQL } from "@/db/schema";
import { MESSAGE_STATUS_ORDER } from "@/components/messages/labels";

const root = path.resolve(__dirname, "../..");
const sorted = (list: readonly string[]) => [...list].sort();

describe("named subsets of message statuses (server/shared/enums.ts)", () => {
  it("each subset is made of message statuses, without repeats", () => {
    const subsets = {
      ACCEPTED_STATUSES,
      AWAITING_DELIVERY_STATUSES,
      CAP_COUNTED_STATUSES,
      DELIVERY_PROBLEM_STATUSES,
      FAILED_STATUSES,
      HANDED_OVER_STATUSES,
      IN_FLIGHT_STATUSES,
      REACHED_STATUSES,
      RETRYABLE_STATUSES,
      TERMINAL_STATUSES,
    };
    for (const [name, subset] of Object.entries(subsets)) {
      for (const status of subset) expect(MESSAGE_STATUSES, name).toContain(status);
      expect(new Set(subset).size, name).toBe(subset.length);
    }
  });

  it("say what each question means", () => {
    expect(sorted(AWAITING_DELIVERY_STATUSES)).toEqual(["deferred", "queued"]);
    expect(sorted(IN_FLIGHT_STATUSES)).toEqual(["deferred", "queued", "sending"]);
    expect(sorted(ACCEPTED_STATUSES)).toEqual(["delivered", "sent"]);
    // The caps count what is on its way or went out; the query keeps this order.
    expect(CAP_COUNTED_STATUSES).toEqual(["queued", "deferred", "sending", "sent", "delivered"]);
    expect(sorted(FAILED_STATUSES)).toEqual(["bounced", "failed", "undelivered"]);
    expect(sorted(RETRYABLE_STATUSES)).toEqual(["failed", "undelivered"]);
    expect(sorted(DELIVERY_PROBLEM_STATUSES)).toEqual(["bounced", "complained", "failed", "undelivered"]);
    expect(sorted(TERMINAL_STATUSES)).toEqual(["blocked", "received"]);
    // The analytics' "delivered" and "sent" (failed after hand-over is told apart by sent_at).
    expect(sorted(REACHED_STATUSES)).toEqual(["complained", "delivered", "sent"]);
    expect(sorted(HANDED_OVER_STATUSES)).toEqual(["bounced", "complained", "delivered", "sent", "undelivered"]);
  });

  it("fit together: retryable ⊂ failed, nothing counted towards caps failed or blocked", () => {
    for (const status of RETRYABLE_STATUSES) expect(FAILED_STATUSES).toContain(status);
    for (const status of CAP_COUNTED_STATUSES) {
      expect(isStatusIn(FAILED_STATUSES, status), status).toBe(false);
      expect(isStatusIn(TERMINAL_STATUSES, status), status).toBe(false);
    }
    for (const status of IN_FLIGHT_STATUSES) expect(isStatusIn(RETRYABLE_STATUSES, status), status).toBe(false);
  });

  it("isStatusIn takes statuses as the UI and the wire carry them (strings, null)", () => {
    expect(isStatusIn(AWAITING_DELIVERY_STATUSES, "queued")).toBe(true);
    expect(isStatusIn(AWAITING_DELIVERY_STATUSES, "sending")).toBe(false);
    expect(isStatusIn(FAILED_STATUSES, "not-a-status")).toBe(false);
    expect(isStatusIn(FAILED_STATUSES, null)).toBe(false);
    expect(isStatusIn(FAILED_STATUSES, undefined)).toBe(false);
  });

  it("the status chips show every status once", () => {
    expect(sorted(MESSAGE_STATUS_ORDER)).toEqual(sorted(MESSAGE_STATUSES));
  });

  it("the SQL list of the dispatch index, the claim and the sweep is the awaiting-delivery subset, as literals", () => {
    expect(new PgDialect().sqlToQuery(AWAITING_DELIVERY_SQL)).toEqual({ sql: "('queued', 'deferred')", params: [] });
  });

  it("no other file spells out a status subset of its own", () => {
    const offenders: string[] = [];
    const lists = [
      /["']queued["'],\s*["']deferred["']/,
      /["']deferred["'],\s*["']queued["']/,
      /["']failed["'],\s*["']undelivered["']/,
      /["']sent["'],\s*["']delivered["']\]/,
    ];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(rel);
        else if (/\.(ts|tsx)$/.test(entry.name)) {
          const text = fs.readFileSync(path.join(root, rel), "utf8");
          if (lists.some((list) => list.test(text))) offenders.push(rel);
        }
      }
    };
    for (const dir of ["app", "components", "server", "db", "inngest"]) walk(dir);
    expect(offenders).toEqual([path.join("server", "shared", "enums.ts")]);
  });
});
