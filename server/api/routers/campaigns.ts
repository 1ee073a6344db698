import {
  chooseAbVariant,
  getAbTestResults,
  setCampaignAbTest,
  ZAbTestResults,
  ZChooseVariantInput,
  ZSetAbTestInput,
  listCampaignAttachments,
  removeCampaignAttachment,
  ZCampaignAttachmentList,
  ZRemoveCampaignAttachmentInput,
  archiveCampaign,
  cancelCampaign,
  getCampaignProgress,
  getCampaignEngagement,
  getCampaignReport,
  compareCampaigns,
  ZCampaignReportInput,
  ZCampaignReport,
  ZCompareCampaignsInput,
  ZCampaignComparison,
  listCampaignRecipients,
  listCampaignRuns,
  pauseCampaign,
  resumeCampaign,
  scheduleCampaign,
  sendCampaignToCapSkipped,
  sendCampaignToRest,
  updateCampaignOptions,
  ZCampaignActionInput,
  ZCampaignProgress,
  ZCampaignEngagement,
  ZCampaignRunList,
  ZListRecipientsInput,
  ZRecipientPage,
  ZScheduleCampaignInput,
  ZUpdateCampaignOptionsInput,
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
import { requestCampaignRuns } from "@/server/jobs/campaign-runs";
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
          "The workspace's campaigns, most recently changed first, filtered by `status` and `channel`; archived ones only with `includeArchived=true` or `status=archived`. `counts` are the latest run's (before any run, the last dry run's audience and sendable). Needs the `campaigns:read` scope.",
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

  // Before `get`: REST matches paths in this order, and `/campaigns/{id}` would take `compare`.
  compare: read
    .meta({
      openapi: {
        method: "GET",
        path: "/campaigns/compare",
        tags: TAGS,
        summary: "Compare campaigns",
        description:
          "Two to five campaigns side by side (`ids=a,b,c`, in the order shown): each one's funnel and rates over every run, the same numbers as its report. 400 for fewer than two, more than five, repeated or malformed ids; 404 when an id is not one of the workspace's campaigns. CSV: `GET /api/campaigns/compare.csv?ids=…`. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZCompareCampaignsInput)
    .output(ZCampaignComparison)
    .query(({ ctx, input }) => compareCampaigns({ ctx: ctx.svc, input })),

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
          "What sending now would do, without sending: the audience, how many the policy would send to, how many it would block by reason (erased, invalid_address, suppressed, opted_out, no_consent, frequency_cap) and, for SMS, how many would wait for quiet hours (`deferred`), the segments of the text rendered for the sample contact × sendable and the estimated cost in USD. With `bestHour: {windowStart, windowHours?, fallbackHour?}` (or when the campaign is scheduled at each recipient's best hour), `bestHour` reports how many members have opens or clicks of their own vs the workspace's best hour, and the local hours that would be chosen. Stored as the campaign's last dry run; nothing else changes. Needs the `campaigns:write` scope.",
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

  schedule: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/schedule",
        tags: TAGS,
        summary: "Schedule or send a campaign",
        description:
          "`{}` sends now (the campaign answers `sending`); `{at, timezone}` once at that time (an ISO instant, or a date and time read in `timezone`); `{localTime:\"HH:MM\", date?, late?}` at that time in each recipient's zone (contact zone, else the phone number's country, else the workspace's; `late`: `next_day` (default) or `send_now` where the time has passed); `{rrule, timezone}` recurring (RFC 5545, at most hourly); `{bestHour: {windowStart, windowHours?, fallbackHour?}, timezone?}` once, each recipient at the start of their best local hour inside the window (`windowStart`: an ISO instant, or a date and time read in `timezone`; `windowHours` 1–24, default 24; `fallbackHour` 0–23, default 10), from their own opens and clicks of the last 180 days shrunk toward the workspace's best hour, never inside quiet hours for SMS. A scheduled campaign may be rescheduled until its run starts. 409 unless a draft or scheduled. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZScheduleCampaignInput)
    .output(ZCampaign)
    .mutation(async ({ ctx, input }) => {
      const { campaign, runIds } = await scheduleCampaign({ ctx: ctx.svc, input });
      await requestCampaignRuns(ctx.svc.workspaceId, runIds);
      return campaign;
    }),

  abTest: read
    .meta({
      openapi: {
        method: "GET",
        path: "/campaigns/{id}/ab_test",
        tags: TAGS,
        summary: "Get a campaign's A/B test and its results",
        description:
          "The A/B test's settings, status (`draft`, `testing`, `winner_chosen`, `no_difference`, `overridden`), winner and decision time, and per variant: assigned, sent, delivered, opened and clicked by people, replied (SMS), unsubscribed, with rates over sent; the significance on the test's metric (two variants: two-proportion z-test with the 95% CI of B − A; more: chi-square test of independence). `settings` null when the campaign has no test. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZGetCampaignInput)
    .output(ZAbTestResults)
    .query(({ ctx, input }) => getAbTestResults({ ctx: ctx.svc, input })),

  setAbTest: write
    .meta({
      openapi: {
        method: "PUT",
        path: "/campaigns/{id}/ab_test",
        tags: TAGS,
        summary: "Set up a draft's A/B test",
        description:
          "2–4 variants keyed A–D (each may change the email subject, the content, or the email sender name; a template campaign's only the sender name), the test share (5–50% of the audience, chosen by a hash of campaign and contact and split evenly), the metric (email: `opened` or `clicked`; SMS: `clicked` or `replied`), the wait (1–72 hours) and the default variant; `abTest: null` removes it. Scheduling then sends the test group first; after the wait the variant better at 95% confidence (else the default) goes to the rest. 409 unless a draft; 400 naming the field. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZSetAbTestInput)
    .output(ZAbTestResults)
    .mutation(({ ctx, input }) => setCampaignAbTest({ ctx: ctx.svc, input })),

  chooseVariant: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/choose_variant",
        tags: TAGS,
        summary: "Choose the A/B test's variant by hand",
        description:
          "Sends `variant` to the rest of the audience (status `overridden`), before the automatic decision or after it while the rest has not started sending. Choosing the variant already chosen changes nothing. 409 before the test group was sent or once the rest is being sent; 400 for a variant the test does not have. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZChooseVariantInput)
    .output(ZAbTestResults)
    .mutation(async ({ ctx, input }) => {
      const { results, runIds } = await chooseAbVariant({ ctx: ctx.svc, input });
      await requestCampaignRuns(ctx.svc.workspaceId, runIds);
      return results;
    }),

  pause: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/pause",
        tags: TAGS,
        summary: "Pause a campaign",
        description:
          "Stops recording new messages before the run's next chunk; messages already recorded keep going. Idempotent on a paused campaign; 409 unless scheduled or sending. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZCampaignActionInput)
    .output(ZCampaign)
    .mutation(({ ctx, input }) => pauseCampaign({ ctx: ctx.svc, input })),

  resume: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/resume",
        tags: TAGS,
        summary: "Resume a paused campaign",
        description:
          "Carries on where the run stopped (a run paused for review after its audience moved sends its frozen audience); recipients already handed are never sent twice. 409 unless paused. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZCampaignActionInput)
    .output(ZCampaign)
    .mutation(async ({ ctx, input }) => {
      const { campaign, runIds } = await resumeCampaign({ ctx: ctx.svc, input });
      await requestCampaignRuns(ctx.svc.workspaceId, runIds, { suffix: `resume-${Date.now()}` });
      return campaign;
    }),

  cancel: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/cancel",
        tags: TAGS,
        summary: "Cancel a campaign",
        description:
          "Ends its runs: recipients not reached yet are `cancelled`, messages not yet handed to a provider end `failed` with reason `cancelled`; messages already with the provider are reported as sent. Idempotent; 409 unless scheduled, sending or paused. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZCampaignActionInput)
    .output(ZCampaign)
    .mutation(({ ctx, input }) => cancelCampaign({ ctx: ctx.svc, input })),

  sendToRest: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/send_to_rest",
        tags: TAGS,
        summary: "Send to the rest",
        description:
          "After a cancel or a failure: a follow-up run for exactly the recipients the last run never sent (through the policy again). Starts now. 409 unless cancelled or failed. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZCampaignActionInput)
    .output(ZCampaign)
    .mutation(async ({ ctx, input }) => {
      const { campaign, runIds } = await sendCampaignToRest({ ctx: ctx.svc, input });
      await requestCampaignRuns(ctx.svc.workspaceId, runIds);
      return campaign;
    }),

  sendToCapSkipped: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/send_to_cap_skipped",
        tags: TAGS,
        summary: "Send to the cap-skipped",
        description:
          "A follow-up run (`cap_follow_up`) for exactly the recipients a frequency cap blocked in the campaign's runs and that no later run has reached (`capSkipped` of the runs list; `GET /campaigns/{id}/recipients?reason=frequency_cap` lists them per run). Each is checked by the policy again when sent: the caps still apply (they may have cleared since) and so does consent (an opt-out since then blocks them). Starts now. 409 when another one is still open, when no recipient is cap-skipped, or when the campaign is a draft or archived. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZCampaignActionInput)
    .output(ZCampaign)
    .mutation(async ({ ctx, input }) => {
      const { campaign, runIds } = await sendCampaignToCapSkipped({ ctx: ctx.svc, input });
      await requestCampaignRuns(ctx.svc.workspaceId, runIds);
      return campaign;
    }),

  updateOptions: write
    .meta({
      openapi: {
        method: "PUT",
        path: "/campaigns/{id}/options",
        tags: TAGS,
        summary: "Set a campaign's sending options",
        description:
          "Error policy (pause after N final errors, or skip), pacing (spread over N hours), a sending window (days and hours, workspace zone), the drift tolerance, (admins only) ignoring frequency caps for legal notices, and for email UTM parameters, how files are delivered (`attachmentDelivery`: attach or link) and the web-version link (`webVersionLink`). Until the campaign ends. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZUpdateCampaignOptionsInput)
    .output(ZCampaign)
    .mutation(({ ctx, input }) => updateCampaignOptions({ ctx: ctx.svc, input })),

  attachments: read
    .meta({
      openapi: {
        method: "GET",
        path: "/campaigns/{id}/attachments",
        tags: TAGS,
        summary: "List a campaign's files",
        description:
          "The email campaign's files (name, type, size, SHA-256; never the bytes), the bytes they use of the 5 MB allowance, the most files (10) and how they reach recipients (`attach` with each email, or `link`: a Files list of signed download links). Upload with `POST /api/campaigns/{id}/attachments` (multipart, field `file`). Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZCampaignActionInput)
    .output(ZCampaignAttachmentList)
    .query(({ ctx, input }) => listCampaignAttachments({ ctx: ctx.svc, input })),

  removeAttachment: write
    .meta({
      openapi: {
        method: "POST",
        path: "/campaigns/{id}/remove_attachment",
        tags: TAGS,
        summary: "Remove a file from a campaign",
        description:
          "Removes one file and answers the files left. Idempotent: a file the campaign does not have changes nothing. Emails already recorded with it are sent without it, and its download links answer 404. 409 unless the campaign is a draft, scheduled or paused. Audited. Needs the `campaigns:write` scope.",
        protect: true,
      },
    })
    .input(ZRemoveCampaignAttachmentInput)
    .output(ZCampaignAttachmentList)
    .mutation(({ ctx, input }) => removeCampaignAttachment({ ctx: ctx.svc, input })),

  runs: read
    .meta({
      openapi: {
        method: "GET",
        path: "/campaigns/{id}/runs",
        tags: TAGS,
        summary: "List a campaign's runs",
        description:
          "Each send of the campaign (the one-off send, each recurring occurrence, a follow-up to the rest or to the cap-skipped) with its status and counts, newest first, and `capSkipped`: how many recipients a frequency cap blocked that no later run has reached. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZCampaignActionInput)
    .output(ZCampaignRunList)
    .query(({ ctx, input }) => listCampaignRuns({ ctx: ctx.svc, input })),

  recipients: read
    .meta({
      openapi: {
        method: "GET",
        path: "/campaigns/{id}/recipients",
        tags: TAGS,
        summary: "List a run's recipients",
        description:
          "The recipients of a run (default: the latest) with their outcome, reason and message, filtered by `outcome` and by block `reason` (`frequency_cap`: the recipients a cap skipped), a page at a time. Addresses and names are masked for viewers. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZListRecipientsInput)
    .output(ZRecipientPage)
    .query(({ ctx, input }) => listCampaignRecipients({ ctx: ctx.svc, input })),

  progress: read
    .meta({
      openapi: {
        method: "GET",
        path: "/campaigns/{id}/progress",
        tags: TAGS,
        summary: "Sending progress",
        description:
          "The latest run with its counts, per-zone progress of a local-time run, and the campaign's timeline. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZCampaignActionInput)
    .output(ZCampaignProgress)
    .query(({ ctx, input }) => getCampaignProgress({ ctx: ctx.svc, input })),
  engagement: read
    .meta({
      openapi: {
        method: "GET",
        path: "/campaigns/{id}/engagement",
        tags: TAGS,
        summary: "Engagement",
        description:
          "Opens, clicks and replies of the campaign's runs: unique and total counts, unique rates over delivered messages, machine opens and clicks (security scanners, Apple Mail Privacy Protection) apart, and the most clicked links. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZCampaignActionInput)
    .output(ZCampaignEngagement)
    .query(({ ctx, input }) => getCampaignEngagement({ ctx: ctx.svc, input })),

  report: read
    .meta({
      openapi: {
        method: "GET",
        path: "/campaigns/{id}/report",
        tags: TAGS,
        summary: "Campaign report",
        description:
          "The campaign's report over every run (or one: `runId`): the funnel (audience, sent, delivered, opened, clicked, replied; blocked by reason, failed, unsubscribed through the campaign, complained) with its rates over delivered messages, opens and clicks per hour after each run's start (hours 0–71), and the most clicked links. Machine opens and clicks are counted apart unless the workspace counts them. The numbers the campaign page's Report shows; each section as CSV: `GET /api/campaigns/{id}/report.csv?section=funnel|hourly|links|blocked`. Needs the `campaigns:read` scope.",
        protect: true,
      },
    })
    .input(ZCampaignReportInput)
    .output(ZCampaignReport)
    .query(({ ctx, input }) => getCampaignReport({ ctx: ctx.svc, input })),
});
