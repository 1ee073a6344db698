import { z } from "zod";
import { htmlToText } from "../templates/layout";
import {
  AB_SEND_TIME_MODES,
  AB_TEST_METRICS,
  AB_TEST_STATUSES,
  AB_VARIANT_KEYS,
  ATTACHMENT_DELIVERIES,
  BLOCK_REASONS,
  CAMPAIGN_RUN_KINDS,
  CAMPAIGN_RUN_STATUSES,
  CAMPAIGN_STATUSES,
  CHANNELS,
  TOPIC_KINDS,
} from "@/server/shared/enums";
import { UTM_VALUE_MAX } from "@/server/shared/utm";
import { DEFAULT_FALLBACK_HOUR, MAX_WINDOW_HOURS } from "@/server/shared/send-time";
import { COMPARE_MAX, COMPARE_MIN } from "@/server/shared/campaign-report";
import { MAX_ATTACHMENT_TOTAL_BYTES, MAX_ATTACHMENTS } from "@/server/shared/attachments";

/** At most this many addresses per test send. */
export const MAX_TEST_ADDRESSES = 10;
/** At most this many exclusion segments per campaign. */
export const MAX_EXCLUSION_SEGMENTS = 10;
/** At most this many characters of an email preheader. */
export const MAX_PREHEADER = 200;
/** Price of one SMS segment when the workspace sets none (`settings.sms.segmentPrice`, USD). */
export { DEFAULT_SMS_SEGMENT_PRICE } from "@/server/shared/sms-pricing";

const ZCampaignId = z.uuid().describe("Campaign id");

const ZCampaignName = z.string().trim().min(1, "Name the campaign").max(120).describe("Name of the campaign");

const ZCampaignContentFields = z
  .object({
    subject: z.string().trim().max(500).optional().describe("Email subject (required for email)"),
    text: z
      .string()
      .trim()
      .max(20_000)
      .default("")
      .describe("Text body (email: the plain-text part; empty with `html`: derived from it)"),
    html: z.string().max(200_000).optional().describe("Email HTML body"),
    preheader: z
      .string()
      .trim()
      .max(MAX_PREHEADER, `Keep the preheader to ${MAX_PREHEADER} characters`)
      .optional()
      .describe(
        "Email only: the preview line inbox lists show after the subject (up to 200 characters; Liquid like the subject), hidden at the top of the HTML body",
      ),
  })
  .describe("Inline content (instead of a template)");

/** Inline content as given: an email with HTML and no text gets its plain-text part from the HTML. */
export const ZCampaignContent = ZCampaignContentFields.superRefine((value, context) => {
  if (!value.text && !value.html?.trim())
    context.addIssue({ code: "custom", path: ["text"], message: "Write the message" });
})
  .transform((value) =>
    !value.text && value.html?.trim() ? { ...value, text: htmlToText(value.html) || value.html.trim() } : value,
  )
  .describe("Inline content (instead of a template)");

const ZTopicKey = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "Choose a topic")
  .describe("Key of the topic the campaign is sent on");

const ZSegmentRef = z.uuid("Choose a segment").describe("Segment id");

export const ZDryRun = z.object({
  audience: z.number().int().describe("Contacts in the audience (segment minus exclusions, erased contacts left out)"),
  sendable: z.number().int().describe("Contacts the policy would send to now (deferred ones included)"),
  blocked: z
    .partialRecord(z.enum(BLOCK_REASONS), z.number().int())
    .describe("Contacts that would be blocked, by reason (reasons with none are left out)"),
  deferred: z
    .number()
    .int()
    .describe("Sendable SMS contacts whose local time is now outside the quiet-hours window: they would wait for it"),
  smsSegments: z
    .number()
    .int()
    .nullable()
    .describe("SMS only: segments of the rendered text (sample contact) × sendable; an estimate"),
  estimatedCost: z
    .object({
      amount: z
        .number()
        .describe("Estimated price: the sum over destination countries, rounded to 4 decimals once at the end"),
      currency: z.literal("USD").describe("Currency of the amount: USD"),
      byCountry: z
        .array(
          z.object({
            country: z
              .string()
              .nullable()
              .describe("Destination country of the phone numbers (ISO 3166-1 alpha-2); null when unknown"),
            recipients: z.number().int().describe("Sendable recipients in the country"),
            segments: z.number().int().describe("Their segments: recipients × segments per message"),
            price: z.number().describe("USD per segment used: the country's price, else the workspace's default"),
            defaultPrice: z
              .boolean()
              .describe("True when `price` is the default (no price for the country, or the country is unknown)"),
            cost: z.number().describe("segments × price in USD, rounded to 4 decimals"),
          }),
        )
        .optional()
        .describe(
          "The cost per destination country, costliest first (absent in dry runs stored before prices per country)",
        ),
      defaultPriced: z
        .number()
        .int()
        .optional()
        .describe(
          "Sendable recipients priced with the default price: country unknown, or no price set for it (absent in older dry runs)",
        ),
    })
    .nullable()
    .describe(
      "SMS only: each destination country's segments × its price per segment (`settings.sms.countryPrices`, else the default `settings.sms.segmentPrice`)",
    ),
  timezones: z
    .object({
      contact: z.number().int().describe("Members whose own time zone is known"),
      phone: z.number().int().describe("Members without one, placed by their phone number's country"),
      workspace: z.number().int().describe("Members with neither: the workspace's zone is used"),
      fallback: z.number().int().describe("Members whose stored zone is not a known one: the workspace's zone is used"),
    })
    .optional()
    .describe("Where a local-time send takes each audience member's zone from"),
  bestHour: z
    .object({
      windowStart: z.string().describe("Start of the window reported on (ISO 8601 UTC)"),
      windowHours: z.number().int().describe("Length of the window in hours"),
      withHistory: z
        .number()
        .int()
        .describe("Members with at least one open or click of their own in the last 180 days"),
      priorOnly: z.number().int().describe("Members without any: they take the workspace's best hour"),
      hours: z
        .array(
          z.object({
            hour: z.number().int().describe("Local hour chosen (0–23), in the member's zone"),
            recipients: z.number().int().describe("Members sent at that hour"),
          }),
        )
        .describe("The distribution of chosen hours, by hour (hours nobody gets are left out)"),
    })
    .optional()
    .describe("Best-hour sends: whose history decides and the hours that would be chosen"),
  computedAt: z.string().describe("When the dry run ran (ISO 8601 UTC)"),
});
export type TDryRun = z.infer<typeof ZDryRun>;

const ZBlockedCounts = z
  .partialRecord(z.string(), z.number().int())
  .describe("Recipients blocked, by reason (at the audience freeze or by the policy at send time)");

export const ZCampaignCounts = z.object({
  audience: z.number().int().nullable().describe("Contacts in the audience"),
  sendable: z
    .number()
    .int()
    .nullable()
    .describe("Contacts that passed the checks at the audience freeze (or the dry run)"),
  queued: z
    .number()
    .int()
    .nullable()
    .describe("Waiting to be handed to the provider (including deferred by quiet hours)"),
  deferred: z.number().int().nullable().describe("Held back by quiet hours until the recipient's allowed time"),
  sent: z.number().int().nullable().describe("Accepted by the provider (delivered included)"),
  delivered: z.number().int().nullable().describe("Reported delivered by the provider"),
  failed: z.number().int().nullable().describe("Failed for good (provider errors, bounces, expired deferrals)"),
  cancelled: z.number().int().nullable().describe("Never sent because the run was cancelled"),
  skipped: z.number().int().nullable().describe("Left out while sending (e.g. content that did not render for them)"),
  blocked: ZBlockedCounts,
});
export type TCampaignCounts = z.infer<typeof ZCampaignCounts>;

export const ZCampaignSchedule = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("now").describe("Sent as soon as scheduled") }),
    z.object({
      type: z.literal("at").describe("Sent once at an instant"),
      at: z.string().describe("The instant (ISO 8601 UTC)"),
      timezone: z.string().describe("Zone the time was given in"),
    }),
    z.object({
      type: z.literal("local").describe("Sent at a wall-clock time in each recipient's zone"),
      localTime: z.string().describe("HH:MM in each recipient's zone"),
      date: z.string().describe("The date (YYYY-MM-DD)"),
      late: z
        .enum(["next_day", "send_now"])
        .describe("Where the time has passed when the run starts: the next day, or at once"),
    }),
    z.object({
      type: z.literal("best_hour").describe("Sent once, at each recipient's best hour within a window"),
      windowStart: z.string().describe("Start of the window (ISO 8601 UTC); no one is sent before it"),
      windowHours: z.number().int().describe("Length of the window in hours (1–24)"),
      fallbackHour: z
        .number()
        .int()
        .describe("Local hour (0–23) used as the workspace's best hour while it has too little history"),
      timezone: z.string().describe("Zone the window start was given in"),
    }),
    z.object({
      type: z.literal("recurring").describe("Each occurrence of a recurrence rule is a run"),
      rrule: z.string().describe("RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0;COUNT=8"),
      timezone: z.string().describe("Zone the rule's times are read in"),
    }),
  ])
  .describe("When the campaign is sent");

const ZUtmValue = z.string().trim().max(UTM_VALUE_MAX, `Use at most ${UTM_VALUE_MAX} characters`);

export const ZCampaignUtm = z
  .object({
    source: ZUtmValue.optional().describe("utm_source (default: optin)"),
    medium: ZUtmValue.optional().describe("utm_medium (default: email)"),
    campaign: ZUtmValue.optional().describe("utm_campaign (default: the campaign's name as a slug, e.g. spring-sale)"),
    term: ZUtmValue.optional().describe("utm_term, added only when set"),
    content: ZUtmValue.optional().describe("utm_content, added only when set"),
  })
  .describe("UTM parameters of the campaign's links");

const ZClock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Give the time as HH:MM");

export const ZCampaignOptions = z
  .object({
    errorPolicy: z
      .enum(["pause", "skip"])
      .optional()
      .describe("pause (default): pause the run after maxErrors final errors; skip: keep sending"),
    maxErrors: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe("Final errors before a pause (default 100, or 5% of the first 1,000 sent)"),
    pacingHours: z
      .number()
      .min(0.1)
      .max(72)
      .nullish()
      .describe("Spread each run over this many hours (empty: as fast as the sender's limits allow)"),
    sendingWindow: z
      .object({
        days: z
          .array(z.number().int().min(0).max(6))
          .min(1, "Choose at least one day")
          .describe("Days of the week (0 = Sunday … 6 = Saturday)"),
        start: ZClock.describe("Opens at (HH:MM, workspace zone)"),
        end: ZClock.describe("Closes at (HH:MM, workspace zone)"),
      })
      .nullish()
      .describe("Deliver only inside this window of the workspace's zone"),
    ignoreFrequencyCaps: z
      .boolean()
      .optional()
      .describe("Legal notices only (admins): neither counted towards nor stopped by frequency caps"),
    driftTolerance: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        "Pause a run for review when its audience or SMS cost moved more than this share from the dry run (default 0.1)",
      ),
    utm: ZCampaignUtm.nullish().describe(
      "Email only: UTM parameters appended to the message's http(s) links (never to unsubscribe, preference or other links to this app's pages, mailto: or tel:); empty or null: links are left as written",
    ),
    attachmentDelivery: z
      .enum(ATTACHMENT_DELIVERIES)
      .optional()
      .describe(
        "Email only: how the campaign's files reach recipients. attach (default): with each email; link: a Files list of signed download links (/files/{token}) appended to the email instead, kinder to deliverability on bulk sends",
      ),
    webVersionLink: z
      .boolean()
      .optional()
      .describe(
        'Email only: add a "View in your browser" link to each email (its own message, rendered for its contact, at /w/{token}); `{{ web_version_url }}` is then available in the content',
      ),
  })
  .describe("Sending options");

export const ZCampaign = z.object({
  id: ZCampaignId,
  name: z.string().describe("Name of the campaign"),
  channel: z.enum(CHANNELS).describe("Channel the campaign is sent on: email or sms"),
  topic: z.string().describe("Topic key"),
  kind: z.enum(TOPIC_KINDS).describe("marketing (needs the contact's opt-in) or transactional"),
  segmentId: z.uuid().nullable().describe("Audience segment; null = every contact with an address on the channel"),
  exclusionSegmentIds: z.array(z.uuid()).describe("Contacts in any of these segments are left out"),
  templateId: z.uuid().nullable().describe("Template rendered for each recipient; null when the content is inline"),
  content: ZCampaignContentFields.nullable().describe("Inline content; null when a template is used"),
  status: z
    .enum(CAMPAIGN_STATUSES)
    .describe("draft, scheduled, sending, paused, completed, cancelled, failed or archived"),
  schedule: ZCampaignSchedule.nullable().describe("When it is sent; null while it is a draft"),
  nextRunAt: z.date().nullable().describe("Next recurring occurrence (ISO 8601 UTC); null when none"),
  options: ZCampaignOptions,
  counts: ZCampaignCounts.describe(
    "The latest run's counts; before any run, the last dry run's audience and sendable (the rest null)",
  ),
  lastDryRun: ZDryRun.nullable().describe("The last dry run's answer; null before the first one"),
  createdAt: z.date().describe("When the campaign was created (ISO 8601 UTC)"),
  updatedAt: z.date().describe("When the campaign last changed (ISO 8601 UTC)"),
});
export type TCampaign = z.infer<typeof ZCampaign>;

const contentRefinement = (
  value: { templateId?: string | null; content?: unknown },
  context: z.RefinementCtx,
  required: boolean,
) => {
  const hasTemplate = value.templateId != null;
  const hasContent = value.content != null;
  if (hasTemplate && hasContent)
    context.addIssue({ code: "custom", path: ["content"], message: "Use a template or content, not both" });
  if (required && !hasTemplate && !hasContent)
    context.addIssue({ code: "custom", path: ["content"], message: "Choose a template or write the content" });
};

export const ZCreateCampaignInput = z
  .object({
    name: ZCampaignName,
    channel: z.enum(CHANNELS).describe("Channel: email or sms"),
    topic: ZTopicKey,
    kind: z.enum(TOPIC_KINDS).default("marketing").describe("marketing (default) or transactional"),
    segmentId: ZSegmentRef.nullish().describe(
      "Audience segment; absent: every contact of the workspace with an address on the channel",
    ),
    exclusionSegmentIds: z
      .array(ZSegmentRef)
      .max(MAX_EXCLUSION_SEGMENTS)
      .default([])
      .describe("Contacts in any of these segments are left out (up to 10)"),
    templateId: z.uuid("Choose a template").nullish().describe("Template to send; give a template or content"),
    content: ZCampaignContent.nullish().describe("Inline content; give a template or content"),
  })
  .superRefine((value, context) => contentRefinement(value, context, true));
export type TCreateCampaignInput = z.input<typeof ZCreateCampaignInput>;

export const ZUpdateCampaignInput = z
  .object({
    id: ZCampaignId,
    name: ZCampaignName.optional(),
    topic: ZTopicKey.optional(),
    kind: z.enum(TOPIC_KINDS).optional().describe("marketing or transactional"),
    segmentId: ZSegmentRef.nullish().describe("Audience segment; null: every contact with an address on the channel"),
    exclusionSegmentIds: z
      .array(ZSegmentRef)
      .max(MAX_EXCLUSION_SEGMENTS)
      .optional()
      .describe("Contacts in any of these segments are left out (up to 10)"),
    templateId: z.uuid("Choose a template").nullish().describe("Template to send (replaces inline content)"),
    content: ZCampaignContent.nullish().describe("Inline content (replaces the template)"),
  })
  .superRefine((value, context) => contentRefinement(value, context, false));
export type TUpdateCampaignInput = z.input<typeof ZUpdateCampaignInput>;

export const ZGetCampaignInput = z.object({ id: ZCampaignId });
export type TGetCampaignInput = z.input<typeof ZGetCampaignInput>;

export const ZArchiveCampaignInput = z.object({ id: ZCampaignId });
export type TArchiveCampaignInput = z.input<typeof ZArchiveCampaignInput>;

export const ZDuplicateCampaignInput = z.object({ id: ZCampaignId });
export type TDuplicateCampaignInput = z.input<typeof ZDuplicateCampaignInput>;

export const ZBestHourRequest = z
  .object({
    windowStart: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .describe("Start of the window: an ISO instant, or a date and time read in `timezone`"),
    windowHours: z
      .number()
      .int()
      .min(1)
      .max(24)
      .describe("Length of the window in hours, 1–24 (default 24): every recipient is sent inside it")
      .optional(),
    fallbackHour: z
      .number()
      .int()
      .min(0)
      .max(23)
      .describe(
        "Local hour 0–23 (default 10) standing in for the workspace's best hour while it has too little history",
      )
      .optional(),
  })
  .describe("Send at each recipient's best hour (from their own opens and clicks) within the window");

export const ZDryRunCampaignInput = z.object({
  id: ZCampaignId,
  bestHour: ZBestHourRequest.describe(
    "Report the best hours a best-hour send with this window would choose (start read in the workspace's zone unless an ISO instant); default: the campaign's own best-hour schedule, if any",
  ).optional(),
});
export type TDryRunCampaignInput = z.input<typeof ZDryRunCampaignInput>;

export const ZListCampaignsInput = z.object({
  status: z.enum(CAMPAIGN_STATUSES).describe("Only campaigns in this status").optional(),
  channel: z.enum(CHANNELS).describe("Only campaigns on this channel").optional(),
  includeArchived: z.boolean().default(false).describe("Include archived campaigns"),
});
export type TListCampaignsInput = z.input<typeof ZListCampaignsInput>;

export const ZCampaignList = z.object({ items: z.array(ZCampaign).describe("Campaigns, newest first") });
export type TCampaignList = z.infer<typeof ZCampaignList>;

export const ZTestSendCampaignInput = z.object({
  id: ZCampaignId,
  to: z
    .array(z.string().trim().min(1).max(320))
    .min(1, "Add an address")
    .max(MAX_TEST_ADDRESSES, `At most ${MAX_TEST_ADDRESSES} addresses`)
    .describe("Email addresses (email campaigns) or phone numbers (SMS campaigns)"),
});
export type TTestSendCampaignInput = z.input<typeof ZTestSendCampaignInput>;

export const ZTestSendResult = z.object({
  results: z
    .array(
      z.object({
        to: z.string().describe("The address as given"),
        member: z.boolean().describe("A workspace member's address: consent is not required for the test"),
        status: z
          .enum(["queued", "blocked", "invalid"])
          .describe("queued: on its way; blocked: refused by the policy; invalid: not an address of the channel"),
        messageId: z.uuid().nullable().describe("The recorded message; null when nothing was recorded"),
        reason: z.string().nullable().describe("Why it was blocked or refused"),
      }),
    )
    .describe("One result per address, in the order given"),
});
export type TTestSendResult = z.infer<typeof ZTestSendResult>;

export const ZScheduleCampaignInput = z.object({
  id: ZCampaignId,
  at: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .describe("Send once at this time: an ISO instant, or a date and time read in `timezone`")
    .optional(),
  timezone: z.string().trim().max(64).describe("Zone of `at` or `rrule` (default: the workspace's)").optional(),
  localTime: z.string().trim().max(5).describe("Send at this HH:MM in each recipient's zone").optional(),
  date: z.string().trim().max(10).describe("With localTime: the date (YYYY-MM-DD, default today)").optional(),
  late: z
    .enum(["next_day", "send_now"])
    .describe("With localTime: where the time has passed at start, the next day (default) or at once")
    .optional(),
  rrule: z.string().trim().max(500).describe("Recurring: an RFC 5545 RRULE (daily, weekly, monthly)").optional(),
  bestHour: ZBestHourRequest.optional(),
});
export type TScheduleCampaignInput = z.input<typeof ZScheduleCampaignInput>;

export const ZCampaignActionInput = z.object({ id: ZCampaignId });
export type TCampaignActionInput = z.input<typeof ZCampaignActionInput>;

export const ZUpdateCampaignOptionsInput = z.object({ id: ZCampaignId, options: ZCampaignOptions });
export type TUpdateCampaignOptionsInput = z.input<typeof ZUpdateCampaignOptionsInput>;

export const ZCampaignAttachment = z
  .object({
    id: z.uuid().describe("Attachment id"),
    campaignId: z.uuid().describe("The campaign it belongs to"),
    filename: z.string().describe("File name as stored (sanitised: no path, no control characters)"),
    contentType: z.string().describe("Content type it is sent and served with"),
    sizeBytes: z.number().int().describe("Size in bytes"),
    sha256: z.string().describe("SHA-256 of the bytes (hex)"),
    createdAt: z.date().describe("When it was uploaded (ISO 8601 UTC)"),
  })
  .describe("A file attached to an email campaign");
export type TCampaignAttachment = z.infer<typeof ZCampaignAttachment>;

export const ZCampaignAttachmentList = z
  .object({
    items: z.array(ZCampaignAttachment).describe("The campaign's files, oldest first"),
    totalBytes: z.number().int().describe("Bytes used by all files together"),
    maxBytes: z.number().int().describe(`Most bytes allowed per campaign (${MAX_ATTACHMENT_TOTAL_BYTES})`),
    maxFiles: z.number().int().describe(`Most files allowed per campaign (${MAX_ATTACHMENTS})`),
    delivery: z
      .enum(ATTACHMENT_DELIVERIES)
      .describe("How the files reach recipients (the campaign's options.attachmentDelivery, default attach)"),
  })
  .describe("A campaign's files and how much of the allowance they use");
export type TCampaignAttachmentList = z.infer<typeof ZCampaignAttachmentList>;

export const ZRemoveCampaignAttachmentInput = z.object({
  id: ZCampaignId,
  attachmentId: z.uuid().describe("The file to remove"),
});
export type TRemoveCampaignAttachmentInput = z.input<typeof ZRemoveCampaignAttachmentInput>;

/** An upload as the route handler hands it over (not a REST schema: the body is multipart). */
export const ZAddCampaignAttachmentInput = z.object({
  id: ZCampaignId,
  filename: z.string(),
  contentType: z.string().nullable(),
  bytes: z.instanceof(Uint8Array),
});
export type TAddCampaignAttachmentInput = z.input<typeof ZAddCampaignAttachmentInput>;

export const ZCampaignRun = z.object({
  id: z.uuid().describe("Run id"),
  kind: z
    .enum(CAMPAIGN_RUN_KINDS)
    .describe(
      "once, occurrence (a recurring occurrence), follow_up (send to the rest) or cap_follow_up (send to the cap-skipped)",
    ),
  status: z.enum(CAMPAIGN_RUN_STATUSES).describe("Status of the run"),
  statusReason: z.string().nullable().describe("Why it paused or failed: manual, errors, drift, window, provider"),
  parentRunId: z.uuid().nullable().describe("A follow-up's original run"),
  scheduledFor: z.date().describe("When the run starts (ISO 8601 UTC)"),
  frozenAt: z.date().nullable().describe("When its audience was fixed"),
  startedAt: z.date().nullable().describe("When it started sending"),
  completedAt: z.date().nullable().describe("When it ended"),
  counts: ZCampaignCounts.describe("Counts of the run"),
});
export type TCampaignRun = z.infer<typeof ZCampaignRun>;

export const ZCampaignRunList = z.object({
  items: z.array(ZCampaignRun).describe("Runs, newest first"),
  capSkipped: z
    .number()
    .int()
    .describe(
      "Recipients a frequency cap blocked in a run that no later run has reached: what `send_to_cap_skipped` would send to now",
    ),
});
export type TCampaignRunList = z.infer<typeof ZCampaignRunList>;

export const RECIPIENT_OUTCOMES = [
  "pending",
  "queued",
  "sent",
  "delivered",
  "deferred",
  "failed",
  "blocked",
  "cancelled",
  "skipped",
] as const;

export const ZListRecipientsInput = z.object({
  id: ZCampaignId,
  runId: z.uuid().describe("Run (default: the latest)").optional(),
  outcome: z.enum(RECIPIENT_OUTCOMES).describe("Only recipients with this outcome").optional(),
  reason: z
    .enum(BLOCK_REASONS)
    .describe("Only recipients blocked with this reason (e.g. frequency_cap: the cap-skipped)")
    .optional(),
  cursor: z.string().max(200).describe("Opaque cursor from the previous page").optional(),
  limit: z.number().int().min(1).max(200).default(50).describe("Page size (1–200)"),
});
export type TListRecipientsInput = z.input<typeof ZListRecipientsInput>;

export const ZCampaignRecipient = z.object({
  contactId: z.uuid().describe("Contact id"),
  name: z.string().nullable().describe("The contact's name (masked for viewers)"),
  address: z.string().nullable().describe("The contact's address on the channel (masked for viewers)"),
  outcome: z.enum(RECIPIENT_OUTCOMES).describe("Where the recipient stands"),
  reason: z.string().nullable().describe("Why it was blocked, skipped or failed"),
  sendAt: z.date().nullable().describe("Their own send time (local-time and best-hour runs)"),
  zone: z.string().nullable().describe("Zone used for a local-time or best-hour run"),
  messageId: z.uuid().nullable().describe("The message recorded for them"),
});
export type TCampaignRecipient = z.infer<typeof ZCampaignRecipient>;

export const ZRecipientPage = z.object({
  runId: z.uuid().nullable().describe("The run listed; null when the campaign has none"),
  items: z.array(ZCampaignRecipient).describe("Recipients, by contact id"),
  nextCursor: z.string().nullable().describe("Cursor of the next page; null at the end"),
});
export type TRecipientPage = z.infer<typeof ZRecipientPage>;

export const ZCampaignProgress = z.object({
  run: ZCampaignRun.nullable().describe("The latest run; null before the first"),
  provider: z
    .object({
      name: z.string().describe("The provider of the campaign's channel"),
      state: z
        .enum(["closed", "open", "half_open"])
        .describe("closed: sending; open: failing, delivery waits; half_open: probing"),
      openUntil: z.date().nullable().describe("While open: when delivery is tried again"),
    })
    .describe("The circuit breaker of the campaign's provider"),
  zones: z
    .array(
      z.object({
        zone: z.string().describe("Time zone"),
        source: z.string().describe("contact, phone, workspace or fallback"),
        sendAt: z.date().nullable().describe("When that zone's recipients are sent"),
        total: z.number().int().describe("Recipients in the zone"),
        pending: z.number().int().describe("Not handed over yet"),
      }),
    )
    .describe("Local-time runs: progress per zone"),
  hours: z
    .array(
      z.object({
        hour: z.number().int().describe("Local hour (0–23) chosen, in the recipient's zone"),
        total: z.number().int().describe("Recipients sent at that hour"),
        pending: z.number().int().describe("Not handed over yet"),
      }),
    )
    .describe("Best-hour runs: the hours chosen for the run's sendable recipients, by hour"),
  timeline: z
    .array(
      z.object({
        type: z.string().describe("scheduled, started, chunk, paused, resumed, cancelled, completed…"),
        runId: z.uuid().nullable().describe("The run it is about"),
        detail: z.record(z.string(), z.unknown()).describe("Counts and reasons"),
        occurredAt: z.date().describe("When (ISO 8601 UTC)"),
      }),
    )
    .describe("The campaign's timeline, newest first (up to 100)"),
});
export type TCampaignProgress = z.infer<typeof ZCampaignProgress>;

const ZEngagementCounts = z.object({
  unique: z.number().int().describe("Messages with at least one (people's only, unless machine events count)"),
  total: z.number().int().describe("Every event of people (machine events left out unless they count)"),
  machine: z
    .number()
    .int()
    .describe(
      "Events taken for a machine's (security scanners, Apple Mail Privacy Protection, too soon after the send)",
    ),
  uniqueMachine: z.number().int().describe("Messages with at least one machine event"),
  rate: z.number().nullable().describe("unique ÷ delivered (0–1); null before anything was delivered"),
});

export const ZCampaignEngagementRun = z.object({
  runId: z.uuid().describe("The campaign run"),
  variant: z.string().nullable().describe("The A/B variant; null: the campaign's only content"),
  delivered: z.number().int().describe("The run's (variant's) messages the provider accepted (sent or delivered)"),
  opens: ZEngagementCounts.describe("Opens of the run's emails (the open pixel, and the provider's reports)"),
  clicks: ZEngagementCounts.describe("Clicks on the run's tracked links"),
  replies: z.number().int().describe("The run's SMS that got a reply within 72 hours (one per message)"),
});

export const ZCampaignEngagement = z.object({
  campaignId: z.uuid().describe("The campaign"),
  countMachineOpens: z
    .boolean()
    .describe(
      "Whether machine opens and clicks count in `unique`, `total` and `rate` (the workspace's tracking setting)",
    ),
  delivered: z.number().int().describe("Messages of every run the provider accepted (sent or delivered)"),
  opens: ZEngagementCounts.describe("Opens over every run"),
  clicks: ZEngagementCounts.describe("Clicks over every run"),
  replies: z.number().int().describe("Replies over every run (SMS)"),
  runs: z.array(ZCampaignEngagementRun).describe("Per run (and variant), newest run first"),
  topLinks: z
    .array(
      z.object({
        url: z.string().describe("The link as the message carried it"),
        uniqueClicks: z.number().int().describe("Messages in which it was clicked"),
        totalClicks: z.number().int().describe("Clicks on it"),
      }),
    )
    .describe("The most clicked links (up to 10), most unique clicks first"),
});
export type TCampaignEngagement = z.infer<typeof ZCampaignEngagement>;

// --- Campaign report ------------------------------------------------------------------------

export { COMPARE_MAX, COMPARE_MIN, REPORT_HOURS, REPORT_TOP_LINKS } from "@/server/shared/campaign-report";

export const ZCampaignReportInput = z.object({
  id: ZCampaignId,
  runId: z.uuid().describe("Only this run of the campaign (default: every run)").optional(),
});
export type TCampaignReportInput = z.input<typeof ZCampaignReportInput>;

export const ZReportFunnel = z.object({
  audience: z.number().int().describe("Recipients frozen into the runs (every contact the audience held)"),
  sent: z
    .number()
    .int()
    .describe("Messages handed to the provider: delivered + failed (not blocked, not waiting, not cancelled)"),
  delivered: z
    .number()
    .int()
    .describe(
      "Messages the provider accepted and did not report failing (sent, delivered or complained): the base of every rate",
    ),
  opened: z.number().int().describe("Messages opened by a person (machine opens only when the workspace counts them)"),
  machineOpened: z.number().int().describe("Messages with at least one open taken for a machine's, counted apart"),
  clicked: z
    .number()
    .int()
    .describe("Messages with a tracked link clicked by a person (machine clicks only when they count)"),
  machineClicked: z.number().int().describe("Messages with at least one click taken for a machine's, counted apart"),
  replied: z.number().int().describe("SMS that got a reply within 72 hours (one per message)"),
  blocked: z.number().int().describe("Recipients the policy blocked (see `blockedByReason`)"),
  blockedByReason: z
    .record(z.string(), z.number().int())
    .describe("Blocked recipients per reason (no_consent, opted_out, suppressed, frequency_cap, …)"),
  failed: z.number().int().describe("Messages that failed for good after hand-over (failed, undelivered, bounced)"),
  queued: z.number().int().describe("Messages not handed to the provider yet (queued, deferred, sending)"),
  cancelled: z.number().int().describe("Recipients and messages a cancel stopped before hand-over"),
  unsubscribed: z
    .number()
    .int()
    .describe(
      "Contacts who opted out through a message of the campaign: its unsubscribe link, or a STOP text within 72 hours of its SMS",
    ),
  complained: z.number().int().describe("Messages the recipient marked as spam (the provider's complaint report)"),
  totalOpens: z.number().int().describe("Every open counted (people's; machines' too when they count)"),
  totalClicks: z.number().int().describe("Every click counted (people's; machines' too when they count)"),
});
export type TReportFunnel = z.infer<typeof ZReportFunnel>;

const rate = (what: string) => z.number().nullable().describe(`${what} (0–1); null while nothing was delivered`);

export const ZReportRates = z.object({
  openRate: rate("opened ÷ delivered"),
  clickRate: rate("clicked ÷ delivered"),
  clickToOpenRate: z.number().nullable().describe("clicked ÷ opened (0–1); null while nothing was opened"),
  replyRate: rate("replied ÷ delivered"),
  unsubscribeRate: rate("unsubscribed ÷ delivered"),
  complaintRate: rate("complained ÷ delivered"),
  failureRate: z.number().nullable().describe("failed ÷ sent (0–1); null while nothing was sent"),
});
export type TReportRates = z.infer<typeof ZReportRates>;

export const ZReportHour = z.object({
  hour: z.number().int().describe("Hours after the run's start (0 = the first hour)"),
  opens: z.number().int().describe("Opens in that hour (people's; machines' too when they count)"),
  clicks: z.number().int().describe("Clicks in that hour (people's; machines' too when they count)"),
});
export type TReportHour = z.infer<typeof ZReportHour>;

export const ZReportLink = z.object({
  url: z.string().describe("The link as the message carried it"),
  uniqueClicks: z.number().int().describe("Messages in which it was clicked"),
  totalClicks: z.number().int().describe("Clicks on it"),
});

const ZCampaignReportSections = z.object({
  campaignId: z.uuid().describe("The campaign"),
  name: z.string().describe("The campaign's name"),
  channel: z.enum(CHANNELS).describe("email or sms"),
  runId: z.uuid().nullable().describe("The run reported; null: every run of the campaign"),
  runs: z.number().int().describe("Runs reported"),
  firstSentAt: z.date().nullable().describe("When the first reported run started; null before any did"),
  countMachineOpens: z
    .boolean()
    .describe(
      "Whether machine opens and clicks count in opened, clicked, totals, hourly and rates (workspace setting)",
    ),
  funnel: ZReportFunnel.describe("Counts from audience to click, and what fell out on the way"),
  rates: ZReportRates.describe("The funnel's rates"),
  hourly: z
    .array(ZReportHour)
    .describe("Opens and clicks per hour after each run's start, hours 0–71 (every hour listed, zero included)"),
  topLinks: z.array(ZReportLink).describe("The most clicked links (up to 20), most unique clicks first"),
});

export const ZCompareCampaignsInput = z.object({
  ids: z
    .string()
    .max(400)
    .describe(`Comma-separated ids of ${COMPARE_MIN} to ${COMPARE_MAX} campaigns of the workspace, in the order shown`),
});
export type TCompareCampaignsInput = z.input<typeof ZCompareCampaignsInput>;

export const ZCampaignComparison = z.object({
  campaigns: z
    .array(
      z.object({
        campaignId: z.uuid().describe("The campaign"),
        name: z.string().describe("The campaign's name"),
        channel: z.enum(CHANNELS).describe("email or sms"),
        status: z.enum(CAMPAIGN_STATUSES).describe("The campaign's status"),
        firstSentAt: z.date().nullable().describe("When its first run started; null before any did"),
        funnel: ZReportFunnel.describe("Its funnel over every run (as in its report)"),
        rates: ZReportRates.describe("Its rates"),
      }),
    )
    .describe("The campaigns in the order asked"),
  countMachineOpens: z.boolean().describe("Whether machine opens and clicks count (workspace setting)"),
});
export type TCampaignComparison = z.infer<typeof ZCampaignComparison>;

const ZAbVariantKey = z.enum(AB_VARIANT_KEYS).describe("Variant key: A, B, C or D");

export const ZAbSendTime = z
  .discriminatedUnion("mode", [
    z
      .object({
        mode: z.literal(AB_SEND_TIME_MODES[0]).describe("At the test run's time (its schedule: now or the time set)"),
      })
      .strict(),
    z
      .object({
        mode: z.literal(AB_SEND_TIME_MODES[1]).describe("At each recipient's best hour, from the test run's start"),
        windowHours: z
          .number()
          .int()
          .min(1, `Give the window as 1 to ${MAX_WINDOW_HOURS} hours`)
          .max(MAX_WINDOW_HOURS, `Give the window as 1 to ${MAX_WINDOW_HOURS} hours`)
          .default(MAX_WINDOW_HOURS)
          .describe(
            `Hours from the test run's start the best hours are chosen in (1–${MAX_WINDOW_HOURS}, default ${MAX_WINDOW_HOURS})`,
          ),
        fallbackHour: z
          .number()
          .int()
          .min(0, "Give the fallback hour as 0 to 23")
          .max(23, "Give the fallback hour as 0 to 23")
          .default(DEFAULT_FALLBACK_HOUR)
          .describe(
            `The local hour (0–23) used as the workspace's habit while it has too little open and click history (default ${DEFAULT_FALLBACK_HOUR})`,
          ),
      })
      .strict(),
  ])
  .describe("When a variant's recipients get the message: `fixed` or `best_hour`");

export const ZAbVariant = z
  .object({
    key: ZAbVariantKey,
    subject: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .describe("Email: this variant's subject (absent: the campaign's)"),
    content: z
      .object({
        text: z
          .string()
          .trim()
          .min(1, "Write the message")
          .max(20_000)
          .optional()
          .describe("Text body of this variant (email with `html` and no text: derived from the HTML)"),
        html: z.string().max(200_000).optional().describe("Email: HTML body of this variant"),
        preheader: z.string().trim().max(MAX_PREHEADER).optional().describe("Email: preview line of this variant"),
      })
      .refine((c) => c.text !== undefined || c.html !== undefined || c.preheader !== undefined, "Change something")
      .optional()
      .describe("This variant's content: each field given replaces the campaign's (absent: the campaign's)"),
    senderName: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .describe("Email: the sender's display name for this variant (the address stays the workspace's)"),
    sendTime: ZAbSendTime.optional().describe(
      "A send-time test: when this variant's recipients get the message (then no variant changes the content)",
    ),
  })
  .describe("One variant of an A/B test: what it changes from the campaign");

export const ZAbTestSettings = z
  .object({
    variants: z
      .array(ZAbVariant)
      .min(2, "Add at least two variants")
      .max(4, "At most four variants")
      .describe("2 to 4 variants, keyed A, B, C, D in this order"),
    share: z
      .number()
      .int()
      .min(5, "The test share is 5% to 50%")
      .max(50, "The test share is 5% to 50%")
      .describe("Percent of the audience in the test group (5–50), split evenly among the variants"),
    metric: z.enum(AB_TEST_METRICS).describe("What decides the winner: `opened`, `clicked`, or (SMS) `replied`"),
    waitHours: z
      .number()
      .int()
      .min(1, "Wait 1 to 72 hours")
      .max(72, "Wait 1 to 72 hours")
      .describe("Hours after the test run starts before the winner is chosen (1–72)"),
    defaultVariant: ZAbVariantKey.describe("The variant the rest gets when no variant is better at 95% confidence"),
  })
  .superRefine((value, context) => {
    value.variants.forEach((v, i) => {
      if (v.key !== AB_VARIANT_KEYS[i])
        context.addIssue({
          code: "custom",
          path: ["variants", i, "key"],
          message: `Variant ${i + 1} is ${AB_VARIANT_KEYS[i]}`,
        });
    });
    if (!value.variants.some((v) => v.key === value.defaultVariant))
      context.addIssue({ code: "custom", path: ["defaultVariant"], message: "Choose one of the variants" });
    // A send-time test compares timing alone: two variants, one fixed and one best hour, same content.
    if (value.variants.some((v) => v.sendTime)) {
      if (value.variants.length !== 2)
        context.addIssue({
          code: "custom",
          path: ["variants"],
          message: "A send-time test has two variants: fixed time and best hour",
        });
      value.variants.forEach((v, i) => {
        if (!v.sendTime)
          context.addIssue({
            code: "custom",
            path: ["variants", i, "sendTime"],
            message: "In a send-time test every variant gives its send time",
          });
        for (const field of ["subject", "content", "senderName"] as const)
          if (v[field] !== undefined)
            context.addIssue({
              code: "custom",
              path: ["variants", i, field],
              message: "A send-time test sends the same message to every variant: vary the send time only",
            });
      });
      const modes = value.variants.map((v) => v.sendTime?.mode);
      if (value.variants.length === 2 && modes.every(Boolean) && modes[0] === modes[1])
        context.addIssue({
          code: "custom",
          path: ["variants", 1, "sendTime", "mode"],
          message: "Compare a fixed time with the best hour: the two variants need different send times",
        });
    }
  })
  .describe("An A/B test's settings");
export type TAbTestSettings = z.infer<typeof ZAbTestSettings>;

export const ZSetAbTestInput = z.object({
  id: ZCampaignId,
  abTest: ZAbTestSettings.nullable().describe("The A/B test, or null to remove it"),
});
export type TSetAbTestInput = z.input<typeof ZSetAbTestInput>;

export const ZChooseVariantInput = z.object({
  id: ZCampaignId,
  variant: ZAbVariantKey.describe("The variant the rest of the audience gets"),
});
export type TChooseVariantInput = z.input<typeof ZChooseVariantInput>;

const ZRate = z.number().nullable().describe("Share of sent (0–1; null: nothing sent yet)");

export const ZAbVariantResult = z.object({
  key: ZAbVariantKey,
  subject: z
    .string()
    .nullable()
    .describe("Email: the subject this variant sends (null: the campaign's template decides)"),
  senderName: z.string().nullable().describe("Email: the sender name of this variant (null: the workspace's)"),
  label: z
    .string()
    .describe("How the variant is shown: `Variant A`…, or in a send-time test `Fixed time` / `Best hour`"),
  sendTime: ZAbSendTime.nullable().describe("A send-time test: this variant's timing (null: not a send-time test)"),
  assigned: z.number().int().describe("Test-group members given this variant (blocked ones included)"),
  sent: z.number().int().describe("Messages of this variant accepted by the provider"),
  delivered: z.number().int().describe("Messages of this variant delivered"),
  opened: z.number().int().describe("Messages of this variant a person opened (machine opens left out)"),
  clicked: z.number().int().describe("Messages of this variant a person clicked"),
  replied: z.number().int().describe("SMS of this variant replied to"),
  unsubscribed: z
    .number()
    .int()
    .describe(
      "Recipients of this variant who opted out of the topic (link, preference page or STOP) after it was sent",
    ),
  rates: z
    .object({
      delivered: ZRate,
      opened: ZRate,
      clicked: ZRate,
      replied: ZRate,
      unsubscribed: ZRate,
    })
    .describe("Each count as a share of sent"),
  isDefault: z.boolean().describe("Whether this is the default variant"),
  isWinner: z.boolean().describe("Whether this variant goes (or went) to the rest"),
});

export const ZAbTestResults = z.object({
  campaignId: z.uuid().describe("Campaign id"),
  settings: ZAbTestSettings.nullable().describe("The A/B test's settings (null: the campaign has no A/B test)"),
  status: z
    .enum(AB_TEST_STATUSES)
    .nullable()
    .describe("`draft`, `testing`, `winner_chosen`, `no_difference`, `overridden`"),
  winner: ZAbVariantKey.nullable().describe("The variant the rest gets, once decided"),
  decidedAt: z.iso.datetime().nullable().describe("When the variant was chosen (ISO)"),
  decideAfter: z.iso
    .datetime()
    .nullable()
    .describe(
      "When the automatic decision is due: the test run's start plus the wait; in a send-time test the end of the best-hour window plus the wait (ISO; null before it starts)",
    ),
  sendWindowEnd: z.iso
    .datetime()
    .nullable()
    .describe(
      "When the last variant has been sent: the test run's start, or in a send-time test the end of the best-hour window (ISO; null before it starts)",
    ),
  lift: z
    .object({
      metric: z.enum(AB_TEST_METRICS).describe("The metric compared"),
      fixedRate: z.number().nullable().describe("The fixed-time variant's rate (null: nothing sent)"),
      bestHourRate: z.number().nullable().describe("The best-hour variant's rate (null: nothing sent)"),
      relative: z
        .number()
        .nullable()
        .describe(
          "(best-hour rate − fixed-time rate) ÷ fixed-time rate (null while the fixed-time rate is 0 or unknown)",
        ),
      ci95: z
        .tuple([z.number(), z.number()])
        .nullable()
        .describe("95% confidence interval of the relative lift: the difference's interval ÷ the fixed-time rate"),
    })
    .nullable()
    .describe(
      "A send-time test: how much better (or worse) the best hour did than the fixed time (null before the test run, or for another test)",
    ),
  testRunId: z.uuid().nullable().describe("The test group's run"),
  remainderRunId: z.uuid().nullable().describe("The run sending the chosen variant to the rest"),
  variants: z.array(ZAbVariantResult).describe("Per variant: counts and rates"),
  significance: z
    .object({
      test: z
        .enum(["two_proportion_z", "chi_square"])
        .describe("Two variants: two-proportion z-test; more: chi-square test of independence"),
      metric: z.enum(AB_TEST_METRICS).describe("The metric tested"),
      pValue: z.number().describe("Two-sided p-value"),
      statistic: z.number().describe("The z statistic or the chi-square statistic"),
      difference: z.number().nullable().describe("Two variants: B's rate minus A's (null for chi-square)"),
      ci95: z
        .tuple([z.number(), z.number()])
        .nullable()
        .describe("Two variants: 95% confidence interval of the difference (null for chi-square)"),
      significant: z.boolean().describe("Whether p < 0.05"),
      leader: ZAbVariantKey.nullable().describe(
        "The variant with the best rate when significant (null: no significant difference)",
      ),
    })
    .nullable()
    .describe("The test on the metric (null before the test run)"),
});
export type TAbTestResults = z.infer<typeof ZAbTestResults>;

export const ZCampaignReport = ZCampaignReportSections.extend({
  abTest: ZAbTestResults.nullable().describe(
    "The A/B test's per-variant metrics with the significance test (p-value, 95% CI); null when the campaign has none",
  ),
});
export type TCampaignReport = z.infer<typeof ZCampaignReport>;
