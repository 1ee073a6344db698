import { z } from "zod";
import { BLOCK_REASONS, CAMPAIGN_STATUSES, CHANNELS, TOPIC_KINDS } from "@/server/shared/enums";

/** At most this many addresses per test send. */
export const MAX_TEST_ADDRESSES = 10;
/** At most this many exclusion segments per campaign. */
export const MAX_EXCLUSION_SEGMENTS = 10;
/** Price of one SMS segment when the workspace sets none (`settings.sms.segmentPrice`, USD). */
export const DEFAULT_SMS_SEGMENT_PRICE = 0.0079;

const ZCampaignId = z.uuid().describe("Campaign id");

const ZCampaignName = z.string().trim().min(1, "Name the campaign").max(120).describe("Name of the campaign");

export const ZCampaignContent = z
  .object({
    subject: z.string().trim().max(500).optional().describe("Email subject (required for email)"),
    text: z.string().trim().min(1, "Write the message").max(20_000).describe("Text body"),
    html: z.string().max(200_000).optional().describe("Email HTML body"),
  })
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
      amount: z.number().describe("Estimated price"),
      currency: z.literal("USD").describe("Currency of the amount: USD"),
    })
    .nullable()
    .describe("SMS only: smsSegments × the workspace's price per segment"),
  computedAt: z.string().describe("When the dry run ran (ISO 8601 UTC)"),
});
export type TDryRun = z.infer<typeof ZDryRun>;

export const ZCampaign = z.object({
  id: ZCampaignId,
  name: z.string().describe("Name of the campaign"),
  channel: z.enum(CHANNELS).describe("Channel the campaign is sent on: email or sms"),
  topic: z.string().describe("Topic key"),
  kind: z.enum(TOPIC_KINDS).describe("marketing (needs the contact's opt-in) or transactional"),
  segmentId: z.uuid().nullable().describe("Audience segment; null = every contact with an address on the channel"),
  exclusionSegmentIds: z.array(z.uuid()).describe("Contacts in any of these segments are left out"),
  templateId: z.uuid().nullable().describe("Template rendered for each recipient; null when the content is inline"),
  content: ZCampaignContent.nullable().describe("Inline content; null when a template is used"),
  status: z
    .enum(CAMPAIGN_STATUSES)
    .describe("draft, scheduled, sending, paused, completed, cancelled, failed or archived"),
  schedule: z.null().describe("Scheduling is not available yet: always null"),
  counts: z
    .object({
      audience: z.number().int().nullable().describe("Contacts in the audience at the last dry run"),
      sendable: z.number().int().nullable().describe("Contacts the last dry run would send to"),
    })
    .describe("From the last dry run; null before the first one"),
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

export const ZDryRunCampaignInput = z.object({ id: ZCampaignId });
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
