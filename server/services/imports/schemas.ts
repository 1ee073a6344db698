import { z } from "zod";
import { CHANNELS, IMPORT_STATUSES } from "@/db/schema";
import { ZTopicKey } from "../topics/schemas";

/** Contact fields a CSV column can be mapped to (besides custom attributes). */
export const IMPORT_FIELDS = [
  "email",
  "phone",
  "firstName",
  "lastName",
  "locale",
  "timezone",
  "tags",
  "consentStatus",
  "consentAt",
  "consentSource",
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

const ZColumn = z.string().trim().min(1).max(200);
const ZAttributeName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_. -]+$/, "Attribute names use letters, digits, space, dot, - and _");

/** CSV column name per field; `attributes` maps CSV column → custom attribute name. */
export const ZImportMapping = z
  .object({
    email: ZColumn.optional().describe(
      "Header of the CSV column holding the email address; email or phone must be mapped",
    ),
    phone: ZColumn.optional().describe(
      "Header of the CSV column holding the phone number, read with the workspace's default region",
    ),
    firstName: ZColumn.optional().describe("Header of the CSV column holding the first name"),
    lastName: ZColumn.optional().describe("Header of the CSV column holding the last name"),
    locale: ZColumn.optional().describe("Header of the CSV column holding a BCP 47 locale such as en-US"),
    timezone: ZColumn.optional().describe(
      "Header of the CSV column holding an IANA time zone such as America/New_York",
    ),
    tags: ZColumn.optional().describe(
      "Header of the CSV column holding tags separated by commas or semicolons (added to existing tags)",
    ),
    consentStatus: ZColumn.optional().describe(
      "Header of the CSV column holding each row's consent (opted_in/opted_out, yes/no, true/false, 1/0 or subscribed/unsubscribed; an empty cell changes nothing)",
    ),
    consentAt: ZColumn.optional().describe(
      "Header of the CSV column holding when consent was given, as an ISO 8601 date or time (UTC when it has no offset) or epoch seconds or milliseconds; required with consentStatus",
    ),
    consentSource: ZColumn.optional().describe(
      "Header of the CSV column holding where consent came from (free text up to 500 characters, kept as the consent event's evidence note)",
    ),
    attributes: z
      .record(ZColumn, ZAttributeName)
      .optional()
      .describe(
        "Custom attributes: CSV column header → attribute name (letters, digits, space, dot, - and _; up to 64 characters)",
      ),
  })
  .refine((m) => Boolean(m.email || m.phone), { message: "Map a column to email or phone", path: ["email"] })
  .refine((m) => !m.consentStatus || Boolean(m.consentAt), {
    message: "Map the consent date column too: an opt-in without a date could override a later opt-out",
    path: ["consentAt"],
  });
export type TImportMapping = z.infer<typeof ZImportMapping>;

export const ZCreateImportInput = z
  .object({
    filename: z
      .string()
      .trim()
      .max(255)
      .optional()
      .describe("Name of the file, up to 255 characters, shown in the import history"),
    mapping: ZImportMapping.describe(
      "Which CSV column (by header) feeds which contact field; a column for email or phone is required",
    ),
    /** Topics the consent column applies to (required when a consent column is mapped). */
    topicKeys: z
      .array(ZTopicKey)
      .max(50)
      .default([])
      .describe(
        "Keys of the topics the consent column applies to (up to 50); required when consentStatus is mapped, ignored otherwise",
      ),
    channels: z
      .array(z.enum(CHANNELS))
      .max(2)
      .default([])
      .describe(
        "Channels the consent column applies to (email, sms); required when consentStatus is mapped, ignored otherwise",
      ),
    /** Tags added to every imported contact. */
    tags: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(64)
          .regex(/^[^\r\n\0,]+$/, "Tags cannot contain commas or line breaks"),
      )
      .max(20)
      .optional()
      .describe("Tags added to every imported contact (up to 20, each 1–64 characters without commas or line breaks)"),
  })
  .refine((v) => !v.mapping.consentStatus || (v.topicKeys.length > 0 && v.channels.length > 0), {
    message: "Choose at least one topic and one channel for the consent column",
    path: ["topicKeys"],
  });
export type TCreateImportInput = z.input<typeof ZCreateImportInput>;

export const ZImport = z.object({
  id: z.uuid().describe("Import id"),
  status: z
    .enum(IMPORT_STATUSES)
    .describe(
      "pending: waiting for the CSV upload; running: rows are being processed; completed: every row was processed; failed: stopped early, see error",
    ),
  filename: z.string().nullable().describe("Name of the file given at creation; null when none"),
  topicKeys: z
    .array(z.string())
    .describe("Keys of the topics the consent column applies to; empty when no consent column is mapped"),
  channels: z
    .array(z.enum(CHANNELS))
    .describe("Channels the consent column applies to; empty when no consent column is mapped"),
  totalRows: z
    .number()
    .int()
    .describe(
      "Expected number of data rows: the uploader's estimate while running (0 when unknown), the number of rows read once finished",
    ),
  processedRows: z.number().int().describe("Data rows read so far, rejected ones included"),
  insertedRows: z.number().int().describe("Rows that created a new contact"),
  updatedRows: z.number().int().describe("Rows that updated an existing contact (matched by email or phone)"),
  rejectedRows: z
    .number()
    .int()
    .describe("Rows with at least one problem recorded (line, column and reason, never the value)"),
  consentEvents: z
    .number()
    .int()
    .describe("Consent ledger events recorded: one per row, topic and channel its consent value applies to"),
  error: z.string().nullable().describe("Why the import stopped; null unless status is failed"),
  lastLine: z
    .number()
    .int()
    .describe("The last CSV line of the last committed batch: a resumed import starts after it"),
  interrupted: z
    .boolean()
    .describe(
      "true when the import is `running` but its process stopped (no progress for 2 minutes); it is resumed or failed automatically",
    ),
  resumable: z
    .boolean()
    .describe(
      "true when `POST /imports/{id}/resume` (or uploading the same file with `resume=1`) can resume it: interrupted, or failed on an internal error",
    ),
  createdAt: z.date().describe("When the import was created (ISO 8601 UTC)"),
  startedAt: z.date().nullable().describe("When processing of the upload started (ISO 8601 UTC); null while pending"),
  finishedAt: z.date().nullable().describe("When the import completed or failed (ISO 8601 UTC); null until then"),
});
export type TImport = z.infer<typeof ZImport>;

export const ZPreviewCsvInput = z.object({
  /** The first ~64 KB of the file, as text. */
  text: z.string().max(70_000),
  /** True when `text` is only the beginning of the file (its last line may be cut). */
  truncated: z.boolean().default(false),
});

export const ZPreviewCsvOutput = z.object({
  headers: z.array(z.string()),
  rows: z.array(z.array(z.string())),
  delimiter: z.string(),
  suggestedMapping: z.object({
    fields: z.partialRecord(z.enum(IMPORT_FIELDS), z.string()),
    attributes: z.record(z.string(), z.string()),
  }),
});
export type TPreviewCsvOutput = z.infer<typeof ZPreviewCsvOutput>;

export const ZListImportsInput = z.object({ limit: z.number().int().min(1).max(100).default(20) }).optional();
