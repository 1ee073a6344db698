import { z } from "zod";
import { CHANNELS, CONSENT_SOURCES, SUPPRESSION_REASONS } from "@/server/shared/enums";
import { MAX_RANGE_DAYS } from "@/server/shared/analytics";

const ZDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD")
  .describe("A calendar day, YYYY-MM-DD, in the workspace's time zone");

const ZAddress = z
  .string()
  .trim()
  .min(1, "Enter an email address or phone number")
  .max(320)
  .describe(
    "An email address or a phone number (E.164, or national in the workspace's default region), normalised the same way as contacts' addresses; a value with `@` is read as an email",
  );

export const ZSuppressionChannel = z.enum(CHANNELS).describe("The channel the address is suppressed on");
export const ZSuppressionReason = z.enum(SUPPRESSION_REASONS).describe("Why the address is suppressed");

export const ZListSuppressionsInput = z
  .object({
    address: ZAddress.optional().describe(
      "Only the suppressions of this exact address (email or phone, normalised like contacts'; matched through the blind index, never by substring)",
    ),
    reason: ZSuppressionReason.optional().describe("Only suppressions with this reason"),
    channel: ZSuppressionChannel.optional().describe("Only suppressions on this channel"),
    from: ZDay.optional().describe("Only suppressions added on or after this day (workspace time zone)"),
    to: ZDay.optional().describe("Only suppressions added on or before this day (workspace time zone)"),
    cursor: z
      .string()
      .max(200)
      .describe("`nextCursor` of the previous page; omit for the first (newest) page")
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50).describe("Page size, 1–200 (default 50)"),
  })
  .describe("Filters and page of the suppression list");
export type TListSuppressionsInput = z.input<typeof ZListSuppressionsInput>;

export const ZSuppression = z
  .object({
    id: z.uuid().describe("The suppression's id"),
    address: z
      .string()
      .nullable()
      .describe(
        "The address, masked (`a•••@example.com`, `+1 ••• ••• 4567`); null when only its blind index is stored",
      ),
    channel: ZSuppressionChannel,
    reason: ZSuppressionReason,
    source: z.string().describe("What added it: `manual`, a provider name, `sms_keyword`, `erasure`…"),
    note: z.string().nullable().describe("Free-text note given when it was added"),
    createdAt: z.date().describe("When it was added"),
    createdBy: z
      .string()
      .nullable()
      .describe("Who added it: a member's name or email, an API key's name, a provider, or `system`"),
    removable: z.boolean().describe("Whether it may be removed (suppressions of erased contacts may not)"),
  })
  .describe("An address that is never messaged on a channel");
export type TSuppression = z.infer<typeof ZSuppression>;

export const ZSuppressionPage = z
  .object({
    items: z.array(ZSuppression).describe("Newest first"),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
  })
  .describe("One page of the suppression list");
export type TSuppressionPage = z.infer<typeof ZSuppressionPage>;

export const ZAddSuppressionInput = z
  .object({
    address: ZAddress,
    channel: ZSuppressionChannel.describe(
      "The channel to suppress the address on (`email` for an email address, `sms` for a phone number)",
    ),
    note: z.string().trim().max(500).optional().describe("Why it was added (at most 500 characters)"),
  })
  .describe("An address to suppress manually (reason `manual`)");
export type TAddSuppressionInput = z.input<typeof ZAddSuppressionInput>;

export const ZAddSuppressionResult = z
  .object({
    created: z
      .boolean()
      .describe("false when the address was already suppressed on the channel (the existing one is returned)"),
    suppression: ZSuppression,
  })
  .describe("The suppression, new or existing");
export type TAddSuppressionResult = z.infer<typeof ZAddSuppressionResult>;

export const ZRemoveSuppressionInput = z.object({ id: z.uuid().describe("The suppression's id") });
export type TRemoveSuppressionInput = z.input<typeof ZRemoveSuppressionInput>;

export const ZSuppressionReportInput = z
  .object({
    from: ZDay.optional().describe(
      `First day (included). Default: 29 days before \`to\` (30 days). At most ${MAX_RANGE_DAYS} days from \`to\`.`,
    ),
    to: ZDay.optional().describe("Last day (included). Default: today in the workspace's time zone."),
    channel: z.enum(CHANNELS).describe("Only this channel. Default: both.").optional(),
  })
  .describe("Date range of the opt-out report");
export type TSuppressionReportInput = z.input<typeof ZSuppressionReportInput>;

const ZReportDay = z
  .object({
    day: ZDay.describe("The day"),
    optOuts: z
      .number()
      .int()
      .describe("Opt-outs recorded in the consent ledger that day (one per contact × channel × topic)"),
    suppressions: z.number().int().describe("Suppressions added that day (still on the list)"),
  })
  .describe("One day's counts");

export const ZSuppressionReport = z
  .object({
    range: z
      .object({
        from: ZDay.describe("First day (included)"),
        to: ZDay.describe("Last day (included)"),
        timezone: z.string().describe("The workspace's IANA time zone the days are read in"),
        channel: z.enum(CHANNELS).nullable().describe("The channel filtered on, or null for both"),
      })
      .describe("The range the numbers are for"),
    totals: z
      .object({
        optOuts: z.number().int().describe("Opt-outs in the range"),
        suppressions: z.number().int().describe("Suppressions added in the range"),
      })
      .describe("Totals over the range"),
    days: z.array(ZReportDay).describe("Every day of the range, in order (zeros included)"),
    optOuts: z
      .array(
        z
          .object({
            day: ZDay.describe("The day"),
            channel: z.enum(CHANNELS).describe("The channel"),
            topic: z.string().describe("The topic's key"),
            topicName: z.string().describe("The topic's name"),
            source: z.enum(CONSENT_SOURCES).describe("Where the opt-out came from"),
            count: z.number().int().describe("Opt-outs"),
          })
          .describe("Opt-outs of one day, channel, topic and source"),
      )
      .describe("Opt-outs per day × channel × topic × source (only non-zero groups), in order of day"),
    suppressions: z
      .array(
        z
          .object({
            day: ZDay.describe("The day"),
            channel: z.enum(CHANNELS).describe("The channel"),
            reason: ZSuppressionReason,
            count: z.number().int().describe("Suppressions added"),
          })
          .describe("Suppressions of one day, channel and reason"),
      )
      .describe("Suppressions per day × channel × reason (only non-zero groups), in order of day"),
  })
  .describe("Opt-outs and suppressions per day");
export type TSuppressionReport = z.infer<typeof ZSuppressionReport>;
