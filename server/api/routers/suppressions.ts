import { z } from "zod";
import {
  addSuppression,
  getSuppressionReport,
  listSuppressions,
  removeSuppression,
  ZAddSuppressionInput,
  ZAddSuppressionResult,
  ZListSuppressionsInput,
  ZRemoveSuppressionInput,
  ZSuppressionPage,
  ZSuppressionReport,
  ZSuppressionReportInput,
} from "@/server/services/suppressions";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

const TAGS = ["Suppressions"];
/** Viewers may look (addresses are always masked); marketers and up, or `contacts:write` keys, change the list. */
const read = workspaceProcedure({ scope: "contacts:read", role: "viewer" });
const write = workspaceProcedure({ scope: "contacts:write", role: "marketer" });

const NOT_CONSENT =
  "Suppression is not consent: removing one opts no one in, it only stops blocking the address; sends still need consent.";

export const suppressionsRouter = createTRPCRouter({
  list: read
    .meta({
      openapi: {
        method: "GET",
        path: "/suppressions",
        tags: TAGS,
        summary: "List suppressions",
        description:
          "The workspace's suppression list (addresses never messaged on a channel), newest first, a page at a time (`cursor` from `nextCursor`). `address` finds one exact address (normalised like contacts': email domain and case, phone to E.164 in the workspace's default region; matched through the blind index, never by substring); `reason`, `channel` and the days `from`/`to` (workspace time zone) filter. Addresses are answered masked. A bad filter answers 400 naming it. Needs the `contacts:read` scope.",
        protect: true,
      },
    })
    .input(ZListSuppressionsInput)
    .output(ZSuppressionPage)
    .query(({ ctx, input }) => listSuppressions({ ctx: ctx.svc, input })),

  report: read
    .meta({
      openapi: {
        method: "GET",
        path: "/suppressions/report",
        tags: TAGS,
        summary: "Opt-out report",
        description:
          "Per day (workspace time zone) over `from`–`to` (default the last 30 days, at most 366): opt-outs recorded in the consent ledger per channel × topic × source, and suppressions added per channel × reason (removed suppressions are not counted). A bad range answers 400. Needs the `contacts:read` scope.",
        protect: true,
      },
    })
    .input(ZSuppressionReportInput)
    .output(ZSuppressionReport)
    .query(({ ctx, input }) => getSuppressionReport({ ctx: ctx.svc, input })),

  add: write
    .meta({
      openapi: {
        method: "POST",
        path: "/suppressions",
        tags: TAGS,
        summary: "Suppress an address",
        description:
          "Adds an address to the suppression list of a channel (reason `manual`, source `manual`), so nothing is sent to it on that channel. Idempotent: an address already suppressed on the channel answers 200 with the existing suppression and `created: false`. An invalid address answers 400 naming `address`. Audited. Needs the `contacts:write` scope.",
        protect: true,
      },
    })
    .input(ZAddSuppressionInput)
    .output(ZAddSuppressionResult)
    .mutation(({ ctx, input }) => addSuppression({ ctx: ctx.svc, input })),

  remove: write
    .meta({
      openapi: {
        method: "DELETE",
        path: "/suppressions/{id}",
        tags: TAGS,
        summary: "Remove a suppression",
        description: `Takes a suppression off the list. ${NOT_CONSENT} Suppressions of erased contacts (reason \`erased\`) cannot be removed: 409. Another workspace's id answers 404. Audited. Needs the \`contacts:write\` scope.`,
        protect: true,
      },
    })
    .input(ZRemoveSuppressionInput)
    .output(z.object({ id: z.uuid().describe("The removed suppression's id") }))
    .mutation(({ ctx, input }) => removeSuppression({ ctx: ctx.svc, input })),
});
