import { integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { timestampTz } from "./_columns";

/**
 * Counters for abuse limits (sign-in failures, magic-link and password-change attempts), shared by
 * every process and kept across restarts. One row per key (`<limit>:<hashed subject>`, never a
 * plain address); each hit is one upsert that opens a new window when the old one has passed.
 */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  windowStart: timestampTz("window_start").notNull(),
  count: integer("count").notNull(),
  /** Refuse until then (back-off or a spent window); null = not blocked. */
  blockedUntil: timestampTz("blocked_until"),
});

/**
 * Sending limits of a sender (a provider account or number, e.g. `sms:+15550001111`), held for
 * every process and replica: one counter per sender, window length and window start (fixed
 * windows). Every delivery path takes its share at the delivery step, just before the provider
 * call, so what is counted is what the provider sees. Old windows are deleted as they pass.
 */
export const senderRateWindows = pgTable(
  "sender_rate_windows",
  {
    sender: text("sender").notNull(),
    windowSeconds: integer("window_seconds").notNull(),
    windowStart: timestampTz("window_start").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sender, t.windowSeconds, t.windowStart] })],
);

/**
 * Circuit breaker per provider: `closed` (sending), `open` (failing: deliveries wait until
 * `open_until`), `half_open` (one probe allowed). Failures are counted in a rolling window.
 */
export const providerCircuits = pgTable("provider_circuits", {
  provider: text("provider").primaryKey(),
  state: text("state").$type<"closed" | "open" | "half_open">().notNull(),
  failures: integer("failures").notNull().default(0),
  windowStart: timestampTz("window_start").notNull(),
  openedAt: timestampTz("opened_at"),
  openUntil: timestampTz("open_until"),
});
