import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { senderRateWindows } from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import { lockKeysInOrder } from "@/server/lib/advisory-locks";
import { pgTextArray } from "@/server/lib/pg-array";
import type { SendingWindow } from "@/server/shared/messaging-settings";
import { inTransaction } from "../context";
import {
  countKey,
  grantedCount,
  guardedStartMs,
  normaliseWindows,
  planUnits,
  windowStartMs,
  type WindowCounts,
} from "./sending-windows";

/** What one delivery round asks of one sender: its limits and the units it wants to send, in order. */
export interface SenderDemand {
  sender: string;
  windows: readonly SendingWindow[];
  /** Messages per provider call, in the order they should go. */
  units: readonly number[];
}

/** The advisory lock of a sender's counters (a keyed lock, see server/lib/advisory-locks.ts). */
export const senderLockKey = (sender: string): string => `sender-rate:${sender}`;

/**
 * Takes sending tokens for every demand, atomically across all the windows of its sender and
 * across processes: one transaction holding each sender's advisory lock (sorted, one statement),
 * one read of the senders' current windows, and one statement that adds what was granted
 * (`INSERT … ON CONFLICT DO UPDATE`) and deletes windows that ended more than a window's length
 * ago. Demands of the same sender (two workspaces sharing a from address) count into the same
 * windows, each under its own workspace's limits, in the order given.
 *
 * Answers, per demand, when each unit may go (`planUnits`): `now` for the units granted (their
 * tokens are taken), a projected window start for the others (nothing taken for them; the caller
 * asks again then); in the last WINDOW_GUARD_MS of a window, nothing is granted and the units are
 * planned from its end. Demands without windows are granted without touching the database.
 */
export async function acquireSendingTokens(
  db: Queryable,
  demands: readonly SenderDemand[],
  now: Date,
): Promise<number[][]> {
  const nowMs = now.getTime();
  const limited = demands
    .map((demand, index) => ({ ...demand, windows: normaliseWindows(demand.windows), index }))
    .filter((d) => d.windows.length > 0 && d.units.length > 0);
  const answers: number[][] = demands.map((d) => d.units.map(() => nowMs));
  if (limited.length === 0) return answers;
  const senders = [...new Set(limited.map((d) => d.sender))];

  await inTransaction(db, async (tx) => {
    await lockKeysInOrder(tx, senders.map(senderLockKey));
    // Read after the locks are granted (its own statement), so it sees the last holder's commit.
    const current = resultRows<{ sender: string; window_seconds: number; window_start: string | Date; count: number }>(
      await tx.execute(sql`
        select sender, window_seconds, window_start, count from ${senderRateWindows}
         where sender = any(${pgTextArray(senders)}::text[])
           and window_start <= ${now.toISOString()}::timestamptz
           and window_start + make_interval(secs => window_seconds) > ${now.toISOString()}::timestamptz`),
    );
    const counts = new Map<string, WindowCounts>(senders.map((s) => [s, new Map()]));
    for (const row of current)
      counts
        .get(row.sender)!
        .set(countKey(Number(row.window_seconds), new Date(row.window_start).getTime()), Number(row.count));

    const taken = new Map<string, { sender: string; seconds: number; start: number; add: number }>();
    for (const demand of limited) {
      const mine = counts.get(demand.sender)!;
      // Plan on a copy: the units placed in later windows (of this minute, too) are a projection, not taken.
      // Near a window's end, from its end (WINDOW_GUARD_MS): nothing is granted now, the units wait for it.
      const times = planUnits(demand.windows, new Map(mine), guardedStartMs(demand.windows, nowMs), demand.units);
      answers[demand.index] = times;
      const granted = grantedCount(times, nowMs);
      const add = demand.units.slice(0, granted).reduce((sum, size) => sum + Math.max(size, 1), 0);
      if (add === 0) continue;
      for (const { seconds } of demand.windows) {
        const start = windowStartMs(nowMs, seconds);
        const key = countKey(seconds, start);
        mine.set(key, (mine.get(key) ?? 0) + add);
        const id = `${demand.sender}|${key}`;
        const entry = taken.get(id) ?? { sender: demand.sender, seconds, start, add: 0 };
        entry.add += add;
        taken.set(id, entry);
      }
    }
    if (taken.size === 0) return;
    const rows = [...taken.values()];
    await tx.execute(sql`
      with passed as (
        delete from ${senderRateWindows}
         where sender = any(${pgTextArray(senders)}::text[])
           and window_start + make_interval(secs => window_seconds * 2) < ${now.toISOString()}::timestamptz
      )
      insert into ${senderRateWindows} (sender, window_seconds, window_start, count)
      select * from unnest(${pgTextArray(rows.map((r) => r.sender))}::text[], ${pgTextArray(rows.map((r) => String(r.seconds)))}::int[],
                           ${pgTextArray(rows.map((r) => new Date(r.start).toISOString()))}::timestamptz[], ${pgTextArray(rows.map((r) => String(r.add)))}::int[])
      on conflict (sender, window_seconds, window_start) do update set count = ${senderRateWindows.count} + excluded.count`);
  });
  return answers;
}
