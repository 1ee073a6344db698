import { z } from "zod";
import type { FormDefinition } from "@/db/schema";

export const FORM_FIELD_NAMES = ["email", "phone", "firstName", "lastName"] as const;
export type FormFieldName = (typeof FORM_FIELD_NAMES)[number];

export const FIELD_DEFAULT_LABELS: Record<FormFieldName, string> = {
  email: "Email",
  phone: "Mobile phone",
  firstName: "First name",
  lastName: "Last name",
};

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));

export const ZFormField = z.object({
  name: z.enum(FORM_FIELD_NAMES),
  required: z.boolean(),
  label: optionalText(80),
});

/** One form version's content; the builder, the service and the hosted page share it. */
export const ZFormDefinition = z.object({
  title: z.string().trim().min(1, "Give the form a title").max(120),
  description: optionalText(1000),
  fields: z
    .array(ZFormField)
    .min(1, "Add at least one field")
    .max(FORM_FIELD_NAMES.length)
    .refine((fields) => new Set(fields.map((f) => f.name)).size === fields.length, "Each field can appear once")
    .refine((fields) => fields.some((f) => f.name === "email" || f.name === "phone"), "Ask for an email address or a phone number"),
  topicIds: z.array(z.uuid()).min(1, "Choose at least one topic").max(20),
  consentText: z.string().trim().min(10, "Write the consent text people agree to (at least 10 characters)").max(5000),
  doubleOptIn: z.boolean(),
  submitLabel: optionalText(40),
  successMessage: optionalText(1000),
}) satisfies z.ZodType<FormDefinition, unknown>;
export type TFormDefinitionInput = z.input<typeof ZFormDefinition>;

export const ZCreateFormInput = z.object({
  name: z.string().trim().min(1, "Name is required").max(100),
  definition: ZFormDefinition,
});
export type TCreateFormInput = z.input<typeof ZCreateFormInput>;

export const ZUpdateFormInput = z.object({
  id: z.uuid(),
  name: z.string().trim().min(1, "Name is required").max(100).optional(),
  definition: ZFormDefinition.optional(),
});
export type TUpdateFormInput = z.input<typeof ZUpdateFormInput>;

export const ZArchiveFormInput = z.object({ id: z.uuid(), archived: z.boolean().default(true) });

export const ZFormSummary = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  title: z.string(),
  currentVersion: z.number().int(),
  doubleOptIn: z.boolean(),
  topicIds: z.array(z.string()),
  archived: z.boolean(),
  /** Distinct contacts who submitted any version (pending or not). */
  signups: z.number().int(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type TFormSummary = z.infer<typeof ZFormSummary>;

export const ZFormVersion = z.object({
  id: z.uuid(),
  version: z.number().int(),
  consentTextHash: z.string(),
  createdAt: z.date(),
  createdBy: z.string().nullable(),
  /** Top-level definition keys that differ from the previous version. */
  changed: z.array(z.string()),
});

export const ZFormDetail = ZFormSummary.extend({
  definition: z.custom<FormDefinition>(),
  consentTextHash: z.string(),
  versions: z.array(ZFormVersion),
});
export type TFormDetail = z.infer<typeof ZFormDetail>;
