import { z } from "zod";
import { ZFormDefinition, type FormDefinition } from "@/server/shared/forms";

export {
  FIELD_DEFAULT_LABELS,
  FORM_FIELD_NAMES,
  ZFormDefinition,
  ZFormField,
  type FormFieldName,
  type TFormDefinitionInput,
} from "@/server/shared/forms";

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
