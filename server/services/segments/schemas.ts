import { z } from "zod";
import { SEGMENT_COUNT_STATUSES } from "@/server/shared/enums";
import { ZSegmentFilter, ZSegmentFilterShape } from "@/server/shared/segment-filter";

export const SEGMENT_PREVIEW_PAGE_SIZE = 25;

const ZSegmentId = z.uuid().describe("Segment id");

export const ZSegmentName = z
  .string()
  .trim()
  .min(1, "Name the segment")
  .max(120)
  .describe("Name of the segment, unique in the workspace among segments that are not archived (ignoring case)");

const ZSegmentDescription = z.string().trim().max(500).describe("What the segment is for, up to 500 characters");

export const ZSegmentCount = z.object({
  count: z
    .number()
    .int()
    .nullable()
    .describe("Contacts matching the segment when it was counted; null while counting or when the count failed"),
  status: z
    .enum(SEGMENT_COUNT_STATUSES)
    .describe(
      "pending (counting: ask again shortly), ready, failed, or timed_out (the count ran longer than 30 seconds)",
    ),
  computedAt: z.date().nullable().describe("When the count finished (ISO 8601 UTC); null while pending"),
  version: z.number().int().describe("The version of the segment's filter that was counted"),
});
export type TSegmentCount = z.infer<typeof ZSegmentCount>;

export const ZSegment = z.object({
  id: ZSegmentId,
  name: z.string().describe("Name of the segment"),
  description: z.string().nullable().describe("What the segment is for; null when none"),
  filter: ZSegmentFilterShape.describe(
    "The filter; email and phone values are masked for callers who see contacts masked (viewers, keys without contacts:read)",
  ),
  version: z.number().int().describe("Goes up by one each time the filter changes (the audit log keeps every version)"),
  archived: z.boolean().describe("Archived segments are kept for history and cannot be used in other segments"),
  createdAt: z.date().describe("When the segment was created (ISO 8601 UTC)"),
  updatedAt: z.date().describe("When the segment last changed (ISO 8601 UTC)"),
  count: ZSegmentCount.nullable().describe(
    "The last count of the current filter version, fresh or not; null when it was never counted",
  ),
});
export type TSegment = z.infer<typeof ZSegment>;

export const ZCreateSegmentInput = z.object({
  name: ZSegmentName,
  description: ZSegmentDescription.optional(),
  filter: ZSegmentFilter,
});
export type TCreateSegmentInput = z.input<typeof ZCreateSegmentInput>;

export const ZUpdateSegmentInput = z.object({
  id: ZSegmentId,
  name: ZSegmentName.optional(),
  description: ZSegmentDescription.nullable().optional().describe("New description; null or empty to remove it"),
  filter: ZSegmentFilter.optional().describe("New filter: a change makes a new version"),
});
export type TUpdateSegmentInput = z.input<typeof ZUpdateSegmentInput>;

export const ZArchiveSegmentInput = z.object({
  id: ZSegmentId,
  archived: z.boolean().default(true).describe("false brings an archived segment back; default true"),
});
export type TArchiveSegmentInput = z.input<typeof ZArchiveSegmentInput>;

export const ZGetSegmentInput = z.object({ id: ZSegmentId });
export type TGetSegmentInput = z.input<typeof ZGetSegmentInput>;

export const ZListSegmentsInput = z
  .object({
    includeArchived: z.boolean().describe("true to list archived segments too; default false").optional(),
  })
  .optional();
export type TListSegmentsInput = z.input<typeof ZListSegmentsInput>;

export const ZCountSegmentInput = z.object({
  id: ZSegmentId,
  refresh: z
    .boolean()
    .describe("true to count again even when a fresh count (same filter version, under 10 minutes) exists")
    .optional(),
  wait: z
    .number()
    .min(0)
    .max(10)
    .describe("Seconds to wait for a count to finish before answering pending; 0–10, default 10")
    .optional(),
});
export type TCountSegmentInput = z.input<typeof ZCountSegmentInput>;

const ZCursor = z.string().max(200).describe("The `nextCursor` of the previous page").optional();
const ZLimit = z
  .number()
  .int()
  .min(1)
  .max(100)
  .describe(`Contacts per page, 1–100; default ${SEGMENT_PREVIEW_PAGE_SIZE}`)
  .optional();

export const ZPreviewSegmentContactsInput = z.object({ id: ZSegmentId, cursor: ZCursor, limit: ZLimit });
export type TPreviewSegmentContactsInput = z.input<typeof ZPreviewSegmentContactsInput>;

/** A filter not saved yet (the builder): `segmentId` is the segment being edited, so a reference back to it is a cycle. */
export const ZCountFilterInput = z.object({
  filter: ZSegmentFilter,
  segmentId: ZSegmentId.optional(),
});
export type TCountFilterInput = z.input<typeof ZCountFilterInput>;

export const ZPreviewFilterInput = ZCountFilterInput.extend({ cursor: ZCursor, limit: ZLimit });
export type TPreviewFilterInput = z.input<typeof ZPreviewFilterInput>;

export const ZFilterCount = z.object({
  count: z.number().int().nullable().describe("Contacts matching the filter; null when the count did not finish"),
  status: z.enum(["ready", "timed_out"]).describe("ready, or timed_out when counting took too long"),
});
export type TFilterCount = z.infer<typeof ZFilterCount>;

/** A matching contact as the contacts list shows it (masked for callers who see contacts masked). */
export const ZSegmentContact = z.object({
  id: z.uuid().describe("Contact id"),
  email: z
    .string()
    .nullable()
    .describe("Email address (masked as a•••@example.com for masked callers); null when none"),
  phone: z
    .string()
    .nullable()
    .describe("Phone number in E.164 (masked as +1 ••• ••• 4567 for masked callers); null when none"),
  firstName: z.string().nullable().describe("First name (masked as A••• for masked callers); null when none"),
  lastName: z.string().nullable().describe("Last name (masked as A••• for masked callers); null when none"),
  tags: z.array(z.string()).describe("Tags of the contact; empty when none"),
  erased: z.boolean().describe("Always false: erased contacts never match a segment"),
  createdAt: z.date().describe("When the contact was created (ISO 8601 UTC)"),
});
export type TSegmentContact = z.infer<typeof ZSegmentContact>;

export const ZSegmentContactsPage = z.object({
  items: z.array(ZSegmentContact).describe("Matching contacts, newest first"),
  nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
  masked: z.boolean().describe("True when email, phone and names are masked for this caller"),
});
export type TSegmentContactsPage = z.infer<typeof ZSegmentContactsPage>;
