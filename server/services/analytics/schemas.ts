import { z } from "zod";
import { BLOCK_REASONS, CHANNELS } from "@/server/shared/enums";
import { MAX_RANGE_DAYS } from "@/server/shared/analytics";

const ZDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD")
  .describe("A calendar day, YYYY-MM-DD, in the workspace's time zone");

/** The filters every analytics section takes. */
export const ZAnalyticsInput = z
  .object({
    from: ZDay.optional().describe(
      `First day of the range (YYYY-MM-DD, workspace time zone, included). Default: 29 days before \`to\` (30 days). At most ${MAX_RANGE_DAYS} days from \`to\`.`,
    ),
    to: ZDay.optional().describe("Last day of the range (YYYY-MM-DD, workspace time zone, included). Default: today."),
    topic: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .describe("Only this topic (its key, e.g. `newsletter`); an unknown key answers 404. Default: every topic.")
      .optional(),
    channel: z.enum(CHANNELS).describe("Only this channel (`email` or `sms`). Default: both.").optional(),
  })
  .describe("Date range and filters");
export type TAnalyticsInput = z.input<typeof ZAnalyticsInput>;

const ZRangeOut = z
  .object({
    from: ZDay.describe("First day of the range (included)"),
    to: ZDay.describe("Last day of the range (included)"),
    timezone: z.string().describe("The workspace's IANA time zone the days are read in"),
    topic: z.string().nullable().describe("The topic key filtered on, or null for every topic"),
    channel: z.enum(CHANNELS).nullable().describe("The channel filtered on, or null for both"),
  })
  .describe("The range and filters the numbers are for");

const ZRate = z.number().min(0).max(1).nullable();

const ZDeliveryDay = z
  .object({
    day: ZDay.describe("The day"),
    sent: z.number().int().describe("Messages handed to a provider that day"),
    delivered: z
      .number()
      .int()
      .describe("Of those, messages that reached the recipient (sent, delivered or complained)"),
    bounced: z.number().int().describe("Of those, bounced messages"),
    failed: z.number().int().describe("Of those, other failures after hand-over (undelivered, failed)"),
    complained: z.number().int().describe("Of those, messages the recipient marked as spam"),
    blocked: z.number().int().describe("Sends blocked by the policy that day (not sent)"),
  })
  .describe("One day's delivery counts");

const ZBlockedReason = z
  .object({
    reason: z.enum(BLOCK_REASONS).describe("Why the sends were blocked"),
    count: z.number().int().describe("Blocked sends with this reason in the range"),
  })
  .describe("Blocked sends of one reason");

export const ZDeliveryStats = z
  .object({
    range: ZRangeOut,
    totals: z
      .object({
        sent: z.number().int().describe("Outbound messages to contacts handed to a provider in the range"),
        delivered: z.number().int().describe("Of those, messages that reached the recipient"),
        bounced: z.number().int().describe("Of those, bounced messages"),
        failed: z.number().int().describe("Of those, other failures after hand-over"),
        complained: z.number().int().describe("Of those, spam complaints"),
        blocked: z.number().int().describe("Sends blocked by the policy (never sent)"),
        deliveryRate: ZRate.describe("delivered ÷ sent; null when nothing was sent"),
        bounceRate: ZRate.describe("bounced ÷ sent; null when nothing was sent"),
        complaintRate: ZRate.describe("complained ÷ delivered; null when nothing was delivered"),
      })
      .describe("Totals over the range"),
    days: z.array(ZDeliveryDay).describe("Every day of the range, in order (zeros included)"),
    blockedByReason: z.array(ZBlockedReason).describe("Blocked sends by reason, most frequent first"),
  })
  .describe("Delivery statistics of outbound messages to contacts");
export type TDeliveryStats = z.infer<typeof ZDeliveryStats>;

const ZTrendDay = z
  .object({
    day: ZDay.describe("The day"),
    optIns: z.number().int().describe("Consents that began that day (a contact × channel × topic became opted in)"),
    optOuts: z.number().int().describe("Consents that ended that day (opted in before, opted out now)"),
    net: z.number().int().describe("optIns − optOuts"),
    audience: z
      .number()
      .int()
      .describe("Consented audience (opted-in contact × channel × topic pairs) at the end of the day"),
  })
  .describe("One day of the consent trend");

const ZTrendSeries = z
  .object({
    channel: z.enum(CHANNELS).describe("Channel"),
    topic: z.string().describe("Topic key"),
    topicName: z.string().describe("Topic name"),
    optIns: z.number().int().describe("Opt-ins in the range"),
    optOuts: z.number().int().describe("Opt-outs in the range"),
    net: z.number().int().describe("Net growth in the range"),
    audience: z.number().int().describe("Consented audience at the end of the range"),
  })
  .describe("The range's totals for one channel × topic");

export const ZConsentTrend = z
  .object({
    range: ZRangeOut,
    totals: z
      .object({
        optIns: z.number().int().describe("Opt-ins in the range"),
        optOuts: z.number().int().describe("Opt-outs in the range"),
        net: z.number().int().describe("Net growth of the consented audience in the range"),
        audienceAtStart: z.number().int().describe("Consented audience before the first day"),
        audience: z.number().int().describe("Consented audience at the end of the last day"),
      })
      .describe("Totals over the range"),
    days: z.array(ZTrendDay).describe("Every day of the range, in order, over the series filtered on"),
    series: z.array(ZTrendSeries).describe("Per channel × topic, ordered by channel then topic key"),
  })
  .describe("Opt-ins, opt-outs and net growth of the consented audience, from the consent ledger");
export type TConsentTrend = z.infer<typeof ZConsentTrend>;

export const ZBestSendHour = z
  .object({
    range: ZRangeOut,
    hours: z
      .array(
        z
          .object({
            hour: z.number().int().min(0).max(23).describe("Hour of the recipient's local day, 0–23"),
            delivered: z
              .number()
              .int()
              .describe("Messages that reached recipients, sent in this local hour (the sample)"),
            opened: z.number().int().describe("Of those, messages a person opened"),
            clicked: z.number().int().describe("Of those, messages a person clicked"),
            openRate: ZRate.describe("opened ÷ delivered; null without a sample"),
            clickRate: ZRate.describe("clicked ÷ delivered; null without a sample"),
          })
          .describe("One local hour"),
      )
      .describe("All 24 hours, in order"),
    best: z
      .object({
        byOpens: z
          .number()
          .int()
          .nullable()
          .describe("Hour with the highest open rate (ties: the larger sample), or null"),
        byClicks: z
          .number()
          .int()
          .nullable()
          .describe("Hour with the highest click rate (ties: the larger sample), or null"),
      })
      .describe("The best hours, among hours with at least `minSample` messages"),
    minSample: z.number().int().describe("Messages an hour needs to be a candidate for best"),
  })
  .describe("Open and click rates by the hour of the recipient's day the message was sent");
export type TBestSendHour = z.infer<typeof ZBestSendHour>;

export const ZTopForms = z
  .object({
    range: ZRangeOut,
    forms: z
      .array(
        z
          .object({
            formId: z.uuid().describe("Form id"),
            name: z.string().describe("Form name"),
            optIns: z
              .number()
              .int()
              .describe("Opt-ins recorded through the form in the range (contact × channel × topic)"),
            contacts: z.number().int().describe("Distinct contacts who opted in through the form in the range"),
          })
          .describe("One form"),
      )
      .describe("Forms with opt-ins in the range, most first (at most 10)"),
  })
  .describe("Forms by opt-ins");
export type TTopForms = z.infer<typeof ZTopForms>;
