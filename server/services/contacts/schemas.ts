import { z } from "zod";

const ZTag = z.string().trim().min(1).max(64).regex(/^[^\r\n\0,]+$/, "Tags cannot contain commas or line breaks");

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
    phone: z.string().max(40).optional().describe("Phone number in any format; stored as E.164 using the workspace's default region"),
    firstName: z.string().trim().max(100).optional(),
    lastName: z.string().trim().max(100).optional(),
    locale: ZLocale.optional(),
    timezone: ZTimezone.optional(),
    attributes: z.record(z.string().max(64), z.unknown()).optional().describe("Custom attributes (merged into existing ones)"),
    tags: z.array(ZTag).max(100).optional().describe("Tags (added to existing ones)"),
  })
  .refine((v) => Boolean(v.email?.trim() || v.phone?.trim()), { message: "Give at least an email or a phone", path: ["email"] });
export type TUpsertContactInput = z.input<typeof ZUpsertContactInput>;

export const ZContact = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  phone: z.string().nullable().describe("E.164"),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  locale: z.string().nullable(),
  timezone: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  erased: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type TContact = z.infer<typeof ZContact>;

export const ZFindContactsInput = z
  .object({ email: z.string().max(320).optional(), phone: z.string().max(40).optional() })
  .refine((v) => Boolean(v.email || v.phone), { message: "Give email or phone", path: ["email"] });
