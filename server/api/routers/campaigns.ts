import {
  archiveCampaign,
  createCampaign,
  dryRunCampaign,
  duplicateCampaign,
  getCampaign,
  listCampaigns,
  testSendCampaign,
  updateCampaign,
  ZArchiveCampaignInput,
  ZCampaign,
  ZCampaignList,
  ZCreateCampaignInput,
  ZDryRun,
  ZDryRunCampaignInput,
  ZDuplicateCampaignInput,
  ZGetCampaignInput,
  ZListCampaignsInput,
  ZTestSendCampaignInput,
  ZTestSendResult,
  ZUpdateCampaignInput,
} from "@/server/services/campaigns";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

const TAGS = ["Campaigns"];
/** Members read from viewer up; keys need `campaigns:read`. */
const read = workspaceProcedure({ scope: "campaigns:read", role: "viewer" });
/** Marketers and up edit; so does a key with `campaigns:write`. */
const write = workspaceProcedure({ scope: "campaigns:write", role: "marketer" });

export const campaignsRouter = createTRPCRouter({
  list: read
    .meta({
      openapi: {
        method: "GET",
        path: "/campaigns",
        tags: TAGS,
        summary: "List campaigns",
        description:
          "The workspace's campaigns, most recently changed first, filtered by `status` and `channel`; archived ones only with `includeArchived=true` or `status=archived`. `counts` come from the last dry run. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZListCampaignsInput)
    .output(ZCampaignList)
    .query(({ ctx, input }) => listCampaigns({ ctx: ctx.svc, input })),

  create: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns",
        tags: TAGS,
        summary: "Create a campaign",
        description:
          "A draft: a name, a channel, a topic offered on it, `kind` (default marketing), an audience (`segmentId`, or none: every contact with an address on the channel; `exclusionSegmentIds` are left out) and either `templateId` (a template of the channel) or `content`. 400 naming the field when one is unknown or does not fit. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZCreateCampaignInput)
    .output(ZCampaign)
    .mutation(({ ctx, input }) => createCampaign({ ctx: ctx.svc, input })),

  get: read
    .meta({
      openapi: {
        method: "GET",
        path: "/campaigns/{id}",
        tags: TAGS,
        summary: "Get a campaign",
        description: "The campaign with its last dry run. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZGetCampaignInput)
    .output(ZCampaign)
    .query(({ ctx, input }) => getCampaign({ ctx: ctx.svc, input })),

  update: write
    .meta({
      openapi: {
        method: "PATCH",
        path: "/campaigns/{id}",
        tags: TAGS,
        summary: "Update a draft",
        description:
          "Changes a draft's name, topic, kind, audience or content (not its channel). A template replaces inline content and the other way round; the last dry run is cleared. 409 unless the campaign is a draft. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZUpdateCampaignInput)
    .output(ZCampaign)
    .mutation(({ ctx, input }) => updateCampaign({ ctx: ctx.svc, input })),

  archive: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/archive",
        tags: TAGS,
        summary: "Archive a campaign",
        description:
          "Archives a draft or a finished campaign (409 while scheduled, sending or paused). Idempotent. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZArchiveCampaignInput)
    .output(ZCampaign)
    .mutation(({ ctx, input }) => archiveCampaign({ ctx: ctx.svc, input })),

  duplicate: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/duplicate",
        tags: TAGS,
        summary: "Duplicate a campaign",
        description:
          'A new draft with the same channel, topic, kind, audience and content, named "Copy of …". Needs the `campaigns:write` scope.',
        protect: true,
      },
    })
    .input(ZDuplicateCampaignInput)
    .output(ZCampaign)
    .mutation(({ ctx, input }) => duplicateCampaign({ ctx: ctx.svc, input })),

  dryRun: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/dry_run",
        tags: TAGS,
        summary: "Dry run a campaign",
        description:
          "What sending now would do, without sending: the audience, how many the policy would send to, how many it would block by reason (erased, invalid_address, suppressed, opted_out, no_consent, frequency_cap) and, for SMS, how many would wait for quiet hours (`deferred`), the segments of the text rendered for the sample contact × sendable and the estimated cost in USD. Stored as the campaign's last dry run; nothing else changes. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZDryRunCampaignInput)
    .output(ZDryRun)
    .mutation(({ ctx, input }) => dryRunCampaign({ ctx: ctx.svc, input })),

  testSend: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/test_send",
        tags: TAGS,
        summary: "Send a test",
        description:
          "Sends the campaign's message to up to 10 addresses (`to`: emails or phone numbers, by channel), marked as tests (`campaignId` and `options.test`). A workspace member's email gets it without a consent check (the suppression list still applies); any other address goes through the normal send policy and may be blocked: the answer says so per address. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZTestSendCampaignInput)
    .output(ZTestSendResult)
    .mutation(({ ctx, input }) => testSendCampaign({ ctx: ctx.svc, input })),
});
