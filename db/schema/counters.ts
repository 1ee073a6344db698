import { bigint, index, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";

/**
 * Counts the admin pages show, kept up to date without recounting rows (see
 * server/services/counters). `kind` and `key`:
 * - `contacts` / `` — contacts of the workspace (erased ones included, like the list);
 * - `tag` / the tag — contacts carrying it;
 * - `consent` / `<topic id>:<channel>:<status>` — consent_states rows in that state;
 * - `messages` / the status — messages currently in it.
 *
 * Statement-level triggers (with transition tables) on contacts, consent_states and messages
 * append one `counter_deltas` row per counter a statement changed, in the statement's own
 * transaction: an insert only, so concurrent writers never wait on a shared counter row. The
 * `fold-counters` job moves the deltas into `counter_totals` every minute (one statement); a
 * read sums the total and the pending deltas, so it is exact at any time. No foreign keys: a
 * workspace's rows may be deleted by cascade while its triggers still append deltas; the fold
 * drops what belongs to no workspace.
 */
export const counterTotals = pgTable(
  "counter_totals",
  {
    workspaceId: uuid("workspace_id").notNull(),
    kind: text("kind").notNull(),
    key: text("key").notNull(),
    n: bigint("n", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.kind, t.key] })],
);

export const counterDeltas = pgTable(
  "counter_deltas",
  {
    workspaceId: uuid("workspace_id").notNull(),
    kind: text("kind").notNull(),
    key: text("key").notNull(),
    delta: bigint("delta", { mode: "number" }).notNull(),
  },
  (t) => [index("counter_deltas_workspace_kind_idx").on(t.workspaceId, t.kind, t.key)],
);
