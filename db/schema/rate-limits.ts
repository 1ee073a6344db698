import { integer, pgTable, text } from "drizzle-orm/pg-core";
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
