import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, timestampTz } from "./_columns";
import { IMPORT_STATUSES } from "../../server/shared/enums";
import { users, workspaces } from "./workspaces";

export { IMPORT_STATUSES, type ImportStatus } from "../../server/shared/enums";

export const importStatusEnum = pgEnum("import_status", IMPORT_STATUSES);

export interface ImportMapping {
  /** CSV column name per contact field / consent column. */
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  locale?: string;
  timezone?: string;
  tags?: string;
  /** Column holding the consent status per row (e.g. "opted_in"/"opted_out"/"yes"/"no"). */
  consentStatus?: string;
  /** Column holding when consent was given (ISO time). */
  consentAt?: string;
  /** Column holding where consent came from (free text, kept as evidence). */
  consentSource?: string;
  /** CSV columns kept as custom attributes: csv column → attribute name. */
  attributes?: Record<string, string>;
}

/** One CSV import run: progress counters are updated while it streams. */
export const imports = pgTable(
  "imports",
  {
    id: id(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    status: importStatusEnum("status").notNull().default("pending"),
    filename: text("filename"),
    mapping: jsonb("mapping").$type<ImportMapping>().notNull(),
    /** Topic keys the consent columns apply to, and the channel(s). */
    options: jsonb("options")
      .$type<{ topicKeys: string[]; channels: ("email" | "sms")[]; tags?: string[] }>()
      .notNull(),
    totalRows: integer("total_rows").notNull().default(0),
    processedRows: integer("processed_rows").notNull().default(0),
    insertedRows: integer("inserted_rows").notNull().default(0),
    updatedRows: integer("updated_rows").notNull().default(0),
    rejectedRows: integer("rejected_rows").notNull().default(0),
    consentEvents: integer("consent_events").notNull().default(0),
    error: text("error"),
    /** The last CSV line of the last committed batch: a resumed run skips every record up to it. */
    lastLine: integer("last_line").notNull().default(0),
    /** Set by each batch commit and by the running process every 30 s; a stale one means the run died. */
    heartbeatAt: timestampTz("heartbeat_at"),
    /** The run that owns the import now; batch writes are fenced on it (a run that lost it rolls back). */
    runId: uuid("run_id"),
    /** SHA-256 (hex) of the uploaded file, kept in DATA_DIR/imports until the import ends; a resume upload must match it. */
    fileHash: text("file_hash"),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    startedAt: timestampTz("started_at"),
    finishedAt: timestampTz("finished_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("imports_workspace_created_idx").on(t.workspaceId, t.createdAt),
    index("imports_running_idx")
      .on(t.heartbeatAt)
      .where(sql`${t.status} = 'running'`),
  ],
);

/** Rejected rows: line number and reason only (never the raw row: it may hold PII). */
export const importRejections = pgTable(
  "import_rejections",
  {
    importId: uuid("import_id")
      .notNull()
      .references(() => imports.id, { onDelete: "cascade" }),
    line: integer("line").notNull(),
    column: text("column"),
    reason: text("reason").notNull(),
  },
  (t) => [index("import_rejections_import_line_idx").on(t.importId, t.line)],
);
