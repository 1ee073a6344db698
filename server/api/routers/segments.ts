import { z } from "zod";
import {
  archiveSegment,
  countFilter,
  countSegment,
  createSegment,
  getSegment,
  listAttributeKeys,
  listSegments,
  previewFilter,
  previewSegmentContacts,
  updateSegment,
  ZArchiveSegmentInput,
  ZCountFilterInput,
  ZCountSegmentInput,
  ZCreateSegmentInput,
  ZFilterCount,
  ZGetSegmentInput,
  ZListSegmentsInput,
  ZPreviewFilterInput,
  ZPreviewSegmentContactsInput,
  ZSegment,
  ZSegmentContactsPage,
  ZSegmentCount,
  ZUpdateSegmentInput,
} from "@/server/services/segments";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

const TAGS = ["Segments"];
/** Members read from viewer up; keys need `campaigns:read` (contacts in answers are masked without `contacts:read`). */
const read = workspaceProcedure({ scope: "campaigns:read", role: "viewer" });
/** Marketers and up edit; so does a key with `campaigns:write`. */
const write = workspaceProcedure({ scope: "campaigns:write", role: "marketer" });

const FILTER_HELP =
  'The filter is a tree: a group {"all": [...]} (AND) or {"any": [...]} (OR) of conditions {"field", "op", "value"} and nested groups. An unknown field or operator, or one the field does not take, answers 400 naming it.';

export const segmentsRouter = createTRPCRouter({
  list: read
    .meta({
      openapi: {
        method: "GET",
        path: "/segments",
        tags: TAGS,
        summary: "List segments",
        description:
          "The workspace's segments by name, each with its last count of the current filter version (`count`, null when never counted). Archived ones only with `includeArchived=true`. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZListSegmentsInput)
    .output(z.object({ items: z.array(ZSegment).describe("Segments, by name") }))
    .query(async ({ ctx, input }) => ({ items: await listSegments({ ctx: ctx.svc, input }) })),

  create: write
    .meta({
      openapi: {
        method: "POST",
        path: "/segments",
        tags: TAGS,
        summary: "Create a segment",
        description: `A named filter over the workspace's contacts. ${FILTER_HELP} 409 when another segment has the name. Needs the \`campaigns:write\` scope.`,
        protect: true,
      },
    })
    .input(ZCreateSegmentInput)
    .output(ZSegment)
    .mutation(({ ctx, input }) => createSegment({ ctx: ctx.svc, input })),

  get: read
    .meta({
      openapi: {
        method: "GET",
        path: "/segments/{id}",
        tags: TAGS,
        summary: "Get a segment",
        description: "The segment with its filter and last count. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZGetSegmentInput)
    .output(ZSegment)
    .query(({ ctx, input }) => getSegment({ ctx: ctx.svc, input })),

  update: write
    .meta({
      openapi: {
        method: "PATCH",
        path: "/segments/{id}",
        tags: TAGS,
        summary: "Update a segment",
        description: `Changes the name, description or filter; a new filter makes a new version. ${FILTER_HELP} A filter that refers back to this segment (directly or through others) answers 400 naming the cycle. 409 for an archived segment or a name in use. Needs the \`campaigns:write\` scope.`,
        protect: true,
      },
    })
    .input(ZUpdateSegmentInput)
    .output(ZSegment)
    .mutation(({ ctx, input }) => updateSegment({ ctx: ctx.svc, input })),

  archive: write
    .meta({
      openapi: {
        method: "POST",
        path: "/segments/{id}/archive",
        tags: TAGS,
        summary: "Archive a segment",
        description:
          "Archives the segment (`archived: false` brings it back). 409 while another segment uses it. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZArchiveSegmentInput)
    .output(ZSegment)
    .mutation(({ ctx, input }) => archiveSegment({ ctx: ctx.svc, input })),

  count: read
    .meta({
      openapi: {
        method: "GET",
        path: "/segments/{id}/count",
        tags: TAGS,
        summary: "Count a segment",
        description:
          "How many contacts the segment holds. A count of the current filter under 10 minutes old is answered at once; otherwise the count runs (up to 30 seconds) and the answer waits up to `wait` seconds (default 10): `status` is `ready` with `count`, or `pending` (ask again), `timed_out` or `failed`. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZCountSegmentInput)
    .output(ZSegmentCount)
    .query(({ ctx, input }) => countSegment({ ctx: ctx.svc, input })),

  contacts: read
    .meta({
      openapi: {
        method: "GET",
        path: "/segments/{id}/contacts",
        tags: TAGS,
        summary: "Contacts of a segment",
        description:
          "A page of the contacts the segment holds now, newest first. Email, phone and names are masked unless the key also has `contacts:read`. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZPreviewSegmentContactsInput)
    .output(ZSegmentContactsPage)
    .query(({ ctx, input }) => previewSegmentContacts({ ctx: ctx.svc, input })),

  // ─── The builder (tRPC only) ───────────────────────────────────────────────

  /** Attribute keys in use, for the field picker. */
  attributeKeys: read
    .output(z.object({ keys: z.array(z.string()) }))
    .query(async ({ ctx }) => ({ keys: await listAttributeKeys({ ctx: ctx.svc }) })),

  /** Live count of an unsaved filter (a POST: filters can be large). */
  countFilter: read
    .input(ZCountFilterInput)
    .output(ZFilterCount)
    .mutation(({ ctx, input }) => countFilter({ ctx: ctx.svc, input })),

  /** A page of the contacts an unsaved filter matches; masked for viewers. */
  previewFilter: read
    .input(ZPreviewFilterInput)
    .output(ZSegmentContactsPage)
    .mutation(({ ctx, input }) => previewFilter({ ctx: ctx.svc, input })),
});
