import type { ServiceContext } from "../context";
import { notFound } from "@/server/lib/errors";
import { getTrackingSettings } from "../tracking/get-tracking-settings";
import { reportRates } from "./report-math";
import {
  reportCounts,
  reportHourly,
  reportRuns,
  reportTopLinks,
  reportUnsubscribed,
  type ReportScope,
} from "./report-sections";
import { abTestResultsOf } from "./get-ab-test-results";
import { findCampaign } from "./rows";
import { findRun } from "./runs";
import { ZCampaignReportInput, type TCampaignReport, type TCampaignReportInput, type TReportFunnel } from "./schemas";

/** The funnel of a scope: its counts and the contacts who opted out through it (two statements). */
export async function reportFunnel(ctx: ServiceContext, scope: ReportScope): Promise<TReportFunnel> {
  const [counts, unsubscribed] = await Promise.all([reportCounts(ctx.db, scope), reportUnsubscribed(ctx.db, scope)]);
  return { ...counts, unsubscribed };
}

/**
 * A campaign's report over every run (or one, `runId`): the funnel from audience to click with
 * what fell out on the way (blocked by reason, failed, unsubscribed, complained), its rates over
 * delivered messages, opens and clicks per hour after each run's start (first 72 hours), and the
 * most clicked links, and the A/B test's variants with their significance when it has one. Machine opens and clicks are counted apart and enter the numbers only when
 * the workspace counts them. One set-based statement per section.
 */
export async function getCampaignReport({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TCampaignReportInput;
}): Promise<TCampaignReport> {
  const { id, runId } = ZCampaignReportInput.parse(input);
  const [campaign, settings] = await Promise.all([
    findCampaign(ctx.db, ctx.workspaceId, id),
    getTrackingSettings({ ctx }),
  ]);
  if (runId) {
    const run = await findRun(ctx.db, ctx.workspaceId, runId);
    if (run.campaignId !== campaign.id) throw notFound("Run");
  }
  const scope: ReportScope = {
    workspaceId: ctx.workspaceId,
    campaignId: campaign.id,
    runId: runId ?? null,
    countMachine: settings.countMachineOpens,
  };
  const [funnel, hourly, topLinks, runs, abTest] = await Promise.all([
    reportFunnel(ctx, scope),
    reportHourly(ctx.db, scope),
    reportTopLinks(ctx.db, scope),
    reportRuns(ctx.db, scope),
    campaign.abTest ? abTestResultsOf(ctx.db, campaign) : null,
  ]);
  return {
    campaignId: campaign.id,
    name: campaign.name,
    channel: campaign.channel,
    runId: scope.runId,
    runs: runs.runs,
    firstSentAt: runs.firstSentAt,
    countMachineOpens: scope.countMachine,
    funnel,
    rates: reportRates(funnel),
    hourly,
    topLinks,
    abTest,
  };
}
