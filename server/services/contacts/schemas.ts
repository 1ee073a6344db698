import { z } from "zod";

const ZTag = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\r\n\0,]+$/, "Tags cannot contain commas or line breaks");

/** IANA zone names the runtime knows (`Intl`), e.g. "America/New_York". */
export const ZTimezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "Use an IANA time zone such as America/New_York");

export const ZLocale = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "Use a BCP 47 locale such as en-US");

export const ZUpsertContactInput = z
  .object({
    email: z.string().max(320).optional().describe("Email address; stored encrypted, matched case-insensitively"),
    phone: z
      .string()
      .max(40)
      .optional()
      .describe("Phone number in any format; stored as E.164 using the workspace's default region"),
    firstName: z.string().trim().max(100).optional().describe("First name, up to 100 characters; stored encrypted"),
    lastName: z.string().trim().max(100).optional().describe("Last name, up to 100 characters; stored encrypted"),
    locale: ZLocale.optional().describe("BCP 47 locale such as en-US, used to pick a template's translation"),
    timezone: ZTimezone.optional().describe("IANA time zone such as America/New_York, used for quiet hours"),
    attributes: z
      .record(z.string().max(64), z.unknown())
      .optional()
      .describe("Custom attributes (merged into existing ones)"),
    tags: z.array(ZTag).max(100).optional().describe("Tags (added to existing ones)"),
  })
  .refine((v) => Boolean(v.email?.trim() || v.phone?.trim()), {
    message: "Give at least an email or a phone",
    path: ["email"],
  });
export type TUpsertContactInput = z.input<typeof ZUpsertContactInput>;

export const ZContact = z.object({
  id: z.uuid().describe("Contact id"),
  email: z
    .string()
    .nullable()
    .describe("Email address (domain in lower case); null when the contact has none or was erased"),
  phone: z
    .string()
    .nullable()
    .describe("Phone number in E.164 format such as +14155552671; null when the contact has none or was erased"),
  firstName: z.string().nullable().describe("First name; null when unknown or erased"),
  lastName: z.string().nullable().describe("Last name; null when unknown or erased"),
  locale: z.string().nullable().describe("BCP 47 locale such as en-US; null when unknown"),
  timezone: z
    .string()
    .nullable()
    .describe(
      "IANA time zone such as America/New_York; null when unknown (quiet hours then infer it from the phone number or use the workspace's zone)",
    ),
  attributes: z
    .record(z.string(), z.unknown())
    .describe("Custom attributes by name (any JSON values), available to templates; empty object when none"),
  tags: z.array(z.string()).describe("Tags of the contact, without duplicates; empty when none"),
  erased: z
    .boolean()
    .describe(
      "True when the contact was erased: its personal fields are removed, it is never messaged and cannot be recreated",
    ),
  createdAt: z.date().describe("When the contact was created (ISO 8601 UTC)"),
  updatedAt: z.date().describe("When the contact was last changed (ISO 8601 UTC)"),
});
export type TContact = z.infer<typeof ZContact>;

export const ZFindContactsInput = z
  .object({ email: z.string().max(320).optional(), phone: z.string().max(40).optional() })
  .refine((v) => Boolean(v.email || v.phone), { message: "Give email or phone", path: ["email"] });
