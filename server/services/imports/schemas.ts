import { z } from "zod";
import { CHANNELS, IMPORT_STATUSES } from "@/db/schema";
import { ZTopicKey } from "../topics/topics";

/** Contact fields a CSV column can be mapped to (besides custom attributes). */
export const IMPORT_FIELDS = ["email", "phone", "firstName", "lastName", "locale", "timezone", "tags", "consentStatus", "consentAt", "consentSource"] as const;
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
    email: ZColumn.optional(),
    phone: ZColumn.optional(),
    firstName: ZColumn.optional(),
    lastName: ZColumn.optional(),
    locale: ZColumn.optional(),
    timezone: ZColumn.optional(),
    tags: ZColumn.optional(),
    consentStatus: ZColumn.optional(),
    consentAt: ZColumn.optional(),
    consentSource: ZColumn.optional(),
    attributes: z.record(ZColumn, ZAttributeName).optional(),
  })
  .refine((m) => Boolean(m.email || m.phone), { message: "Map a column to email or phone", path: ["email"] })
  .refine((m) => !m.consentStatus || Boolean(m.consentAt), {
    message: "Map the consent date column too: an opt-in without a date could override a later opt-out",
    path: ["consentAt"],
  });
export type TImportMapping = z.infer<typeof ZImportMapping>;

export const ZCreateImportInput = z
  .object({
    filename: z.string().trim().max(255).optional(),
    mapping: ZImportMapping,
    /** Topics the consent column applies to (required when a consent column is mapped). */
    topicKeys: z.array(ZTopicKey).max(50).default([]),
    channels: z.array(z.enum(CHANNELS)).max(2).default([]),
    /** Tags added to every imported contact. */
    tags: z.array(z.string().trim().min(1).max(64).regex(/^[^\r\n\0,]+$/, "Tags cannot contain commas or line breaks")).max(20).optional(),
  })
  .refine((v) => !v.mapping.consentStatus || (v.topicKeys.length > 0 && v.channels.length > 0), {
    message: "Choose at least one topic and one channel for the consent column",
    path: ["topicKeys"],
  });
export type TCreateImportInput = z.input<typeof ZCreateImportInput>;

export const ZImport = z.object({
  id: z.uuid(),
  status: z.enum(IMPORT_STATUSES),
  filename: z.string().nullable(),
  topicKeys: z.array(z.string()),
  channels: z.array(z.enum(CHANNELS)),
  totalRows: z.number().int(),
  processedRows: z.number().int(),
  insertedRows: z.number().int(),
  updatedRows: z.number().int(),
  rejectedRows: z.number().int(),
  consentEvents: z.number().int(),
  error: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
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
