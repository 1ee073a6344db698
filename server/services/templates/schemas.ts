import { z } from "zod";
import {
  CHANNELS,
  TEMPLATE_CATEGORIES,
  type TemplateCategory,
  type TemplateComplianceResult,
  type TemplateContent,
  type TemplateVariable,
} from "@/db/schema";
import { isReservedVariableName, TEMPLATE_VARIABLE_NAME } from "@/server/shared/template-variables";
import { ZLocale } from "../contacts/schemas";

export { RESERVED_VARIABLE_NAMES } from "@/server/shared/template-variables";

export const MAX_LOCALES = 20;
/** Characters of a TipTap document stored with a variant (its JSON). */
export const MAX_DOC_CHARS = 400_000;

export const ZTemplateKey = z
  .string()
  .trim()
  .min(1, "Key is required")
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "Use letters, digits, - and _ only");

export const ZTemplateVariable = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name the variable")
    .max(64)
    .regex(TEMPLATE_VARIABLE_NAME, "Start with a letter or _, then letters, digits or _")
    .refine((name) => !isReservedVariableName(name), "This name is built in"),
  sample: z.string().max(2000),
  description: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || undefined),
}) satisfies z.ZodType<TemplateVariable, unknown>;

export const ZTemplateContent = z.object({
  subject: z.string().max(500).optional(),
  text: z.string().max(20_000).default(""),
  html: z.string().max(200_000).optional(),
  doc: z
    .unknown()
    .optional()
    .refine((doc) => doc === undefined || JSON.stringify(doc).length <= MAX_DOC_CHARS, "The document is too large"),
}) satisfies z.ZodType<TemplateContent, unknown>;
export type TTemplateContentInput = z.input<typeof ZTemplateContent>;

/** What one version holds: its locales (the default among them) and declared variables. */
export const ZTemplateVersionContent = z
  .object({
    defaultLocale: ZLocale,
    variants: z
      .record(ZLocale, ZTemplateContent)
      .refine((v) => Object.keys(v).length >= 1, "Add at least one locale")
      .refine((v) => Object.keys(v).length <= MAX_LOCALES, `At most ${MAX_LOCALES} locales`),
    variables: z
      .array(ZTemplateVariable)
      .max(50)
      .default([])
      .refine((vars) => new Set(vars.map((v) => v.name)).size === vars.length, "Each variable name can appear once"),
  })
  .refine((v) => Object.hasOwn(v.variants, v.defaultLocale), {
    message: "The default locale needs content",
    path: ["defaultLocale"],
  });
export type TTemplateVersionContentInput = z.input<typeof ZTemplateVersionContent>;
/** A version's content as stored (the parsed input, or a row read back). */
export interface TTemplateVersionContent {
  defaultLocale: string;
  variants: Record<string, TemplateContent>;
  variables: TemplateVariable[];
}

const ZTopicKeyOrNull = z
  .string()
  .trim()
  .max(64)
  .regex(/^[A-Za-z0-9_-]*$/, "Use a topic key")
  .nullable()
  .optional()
  .transform((v) => (v ? v : null));

export const ZCreateTemplateInput = z.object({
  key: ZTemplateKey,
  name: z.string().trim().min(1, "Name is required").max(100),
  channel: z.enum(CHANNELS),
  category: z.enum(TEMPLATE_CATEGORIES),
  topicKey: ZTopicKeyOrNull,
  content: ZTemplateVersionContent,
});
export type TCreateTemplateInput = z.input<typeof ZCreateTemplateInput>;

export const ZUpdateTemplateInput = z.object({
  id: z.uuid(),
  name: z.string().trim().min(1, "Name is required").max(100).optional(),
  category: z.enum(TEMPLATE_CATEGORIES).optional(),
  topicKey: ZTopicKeyOrNull,
  /** New content: becomes version N+1 when it differs from the current version. */
  content: ZTemplateVersionContent.optional(),
});
export type TUpdateTemplateInput = z.input<typeof ZUpdateTemplateInput>;

export const ZRestoreTemplateVersionInput = z.object({ id: z.uuid(), version: z.number().int().min(1) });
export type TRestoreTemplateVersionInput = z.input<typeof ZRestoreTemplateVersionInput>;

export const ZArchiveTemplateInput = z.object({ id: z.uuid(), archived: z.boolean().default(true) });
export type TArchiveTemplateInput = z.input<typeof ZArchiveTemplateInput>;

export const ZListTemplatesInput = z
  .object({
    channel: z.enum(CHANNELS).optional(),
    category: z.enum(TEMPLATE_CATEGORIES).optional(),
    /** Part of the name or key, case-insensitive. */
    search: z.string().trim().max(100).optional(),
    includeArchived: z.boolean().optional(),
  })
  .optional();
export type TListTemplatesInput = z.input<typeof ZListTemplatesInput>;

export const ZComplianceProblem = z.object({
  code: z.string(),
  message: z.string(),
  locale: z.string().optional(),
  /** error: the message may not go out as it is; warning: it goes out, fixed as described. */
  severity: z.enum(["error", "warning"]),
});
export type TComplianceProblem = z.infer<typeof ZComplianceProblem>;

export const ZComplianceResult = z.object({ ok: z.boolean(), problems: z.array(ZComplianceProblem) });
export type TComplianceResult = z.infer<typeof ZComplianceResult> & TemplateComplianceResult;

export const ZTemplateSummary = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  channel: z.enum(CHANNELS),
  category: z.enum(TEMPLATE_CATEGORIES),
  topicKey: z.string().nullable(),
  systemKey: z.string().nullable(),
  currentVersion: z.number().int(),
  currentVersionId: z.string().nullable(),
  locales: z.array(z.string()),
  compliance: ZComplianceResult.nullable(),
  archived: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type TTemplateSummary = z.infer<typeof ZTemplateSummary>;

export const ZTemplateVersion = z.object({
  id: z.uuid(),
  version: z.number().int(),
  defaultLocale: z.string(),
  variants: z.record(z.string(), z.custom<TemplateContent>()),
  variables: z.array(z.custom<TemplateVariable>()),
  compliance: ZComplianceResult,
  restoredFromVersion: z.number().int().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
});
export type TTemplateVersion = z.infer<typeof ZTemplateVersion>;

export const ZTemplateDetail = ZTemplateSummary.extend({
  current: ZTemplateVersion.nullable(),
  /** Newest first. */
  versions: z.array(ZTemplateVersion),
});
export type TTemplateDetail = z.infer<typeof ZTemplateDetail>;

/** A marketing message by category; a send's `kind` can make any template marketing. */
export function isMarketingCategory(category: TemplateCategory): boolean {
  return category === "promotional";
}
