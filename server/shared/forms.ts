import { z } from "zod";

/**
 * A hosted form's content, shared by the form builder (UI), the forms services and the hosted
 * page: the fields a form may ask for, their default labels, and the one schema of a version.
 */

export const FORM_FIELD_NAMES = ["email", "phone", "firstName", "lastName"] as const;
export type FormFieldName = (typeof FORM_FIELD_NAMES)[number];

export const FIELD_DEFAULT_LABELS: Record<FormFieldName, string> = {
  email: "Email",
  phone: "Mobile phone",
  firstName: "First name",
  lastName: "Last name",
};

/**
 * The field a hosted form posts the person's topic choices in (one `topics=<topic key>` per ticked
 * box), when the form offers more than one topic. A single-topic form has no boxes.
 */
export const TOPIC_CHOICE_FIELD = "topics";

/** One form version's content, as stored in `form_versions.definition`. */
export interface FormDefinition {
  title: string;
  description?: string;
  /** Which contact fields the form asks for, in order. */
  fields: { name: FormFieldName; required: boolean; label?: string }[];
  /** Topic ids the person consents to by submitting. */
  topicIds: string[];
  /** The exact consent language shown next to the submit button. */
  consentText: string;
  /** Ask for proof of control of the address before consent counts (also forced by topics that require it). */
  doubleOptIn: boolean;
  submitLabel?: string;
  successMessage?: string;
}

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
    .refine(
      (fields) => fields.some((f) => f.name === "email" || f.name === "phone"),
      "Ask for an email address or a phone number",
    ),
  topicIds: z.array(z.uuid()).min(1, "Choose at least one topic").max(20),
  consentText: z.string().trim().min(10, "Write the consent text people agree to (at least 10 characters)").max(5000),
  doubleOptIn: z.boolean(),
  submitLabel: optionalText(40),
  successMessage: optionalText(1000),
}) satisfies z.ZodType<FormDefinition, unknown>;
export type TFormDefinitionInput = z.input<typeof ZFormDefinition>;
