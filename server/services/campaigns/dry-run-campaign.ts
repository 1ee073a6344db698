import { eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { pgTextArray } from "@/server/lib/pg-array";
import { campaigns, contacts, topics, workspaces } from "@/db/schema";
import { notFound } from "@/server/lib/errors";
import { readMessagingSettings, type MessagingSettings } from "@/server/shared/messaging-settings";
import { countryTimeZone, countryZoneEntries } from "../policy/recipient-timezone";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { withStatementTimeout } from "../segments/count-runner";
import { audienceWhere, classifyAudience } from "./audience";
import { findCampaign } from "./rows";
import { bestHourCtes, zonedCtes, type BestHourSchedule } from "./best-hour";
import { planSchedule } from "./schedule-rules";
import { sampleSmsSegments } from "./sample-render";
import { estimateSmsCost, readSmsPricing } from "@/server/shared/sms-pricing";
import { ZDryRunCampaignInput, type TDryRun, type TDryRunCampaignInput } from "./schemas";

/** Longest the dry run's statement may run. */
export const DRY_RUN_TIMEOUT_MS = 30_000;

/**
 * What sending the campaign now would do, without sending or recording any message: the
 * audience (see `audienceWhere`), how many the policy would send to, how many it would block by
 * reason and how many SMS would wait for quiet hours to end (`classifyAudience`: one statement).
 * For SMS, the segments of the text rendered for the sample contact × sendable, and the cost per
 * destination country: the sendable members counted by their phone number's country in the same
 * statement (GROUP BY), each country at its price (`settings.sms.countryPrices`) or the default
 * (`settings.sms.segmentPrice`, USD; default 0.0079), `estimateSmsCost` (the freeze's drift check
 * uses the same function). For a best-hour send (the `bestHour` window given, or the campaign's
 * own best-hour schedule) the hours the freeze would choose (`bestHourCtes`, one statement):
 * members with history of their own vs the workspace prior, and the count per chosen local hour.
 * The
 * answer is stored on the campaign as its last dry run; nothing else changes. Audited
 * (`campaign.dry_run`, with the counts).
 */
export async function dryRunCampaign({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TDryRunCampaignInput;
}): Promise<TDryRun> {
  const { id, bestHour: bestHourRequest } = ZDryRunCampaignInput.parse(input);
  const row = await findCampaign(ctx.db, ctx.workspaceId, id);
  const [topic] = await ctx.db.select().from(topics).where(eq(topics.id, row.topicId));
  if (!topic) throw notFound("Topic");
  const [workspace] = await ctx.db
    .select({ settings: workspaces.settings, defaultRegion: workspaces.defaultRegion })
    .from(workspaces)
    .where(eq(workspaces.id, ctx.workspaceId));
  if (!workspace) throw notFound("Workspace");
  const settings = readMessagingSettings(workspace.settings, countryTimeZone(workspace.defaultRegion));
  const now = ctx.now();

  const where = await audienceWhere(ctx.db, row, now);
  const { sendableByCountry, ...counts } = await withStatementTimeout(ctx.db, DRY_RUN_TIMEOUT_MS, (tx) =>
    classifyAudience(tx, { row, where, topic, settings, now }),
  );

  const timezones = await withStatementTimeout(ctx.db, DRY_RUN_TIMEOUT_MS, (tx) => countZoneSources(tx, where));
  // The window asked about, else the campaign's own best-hour schedule.
  const bestHourSchedule: BestHourSchedule | null = bestHourRequest
    ? (planSchedule({ bestHour: bestHourRequest }, now, settings.timezone).schedule as BestHourSchedule)
    : row.schedule?.type === "best_hour"
      ? row.schedule
      : null;
  const bestHour = bestHourSchedule
    ? await withStatementTimeout(ctx.db, DRY_RUN_TIMEOUT_MS, (tx) =>
        countBestHours(tx, { workspaceId: ctx.workspaceId, where, schedule: bestHourSchedule, row, settings, now }),
      )
    : undefined;

  let smsSegments: number | null = null;
  let estimatedCost: TDryRun["estimatedCost"] = null;
  if (row.channel === "sms") {
    const perMessage = await sampleSmsSegments(ctx, row);
    if (perMessage !== null) {
      smsSegments = perMessage * counts.sendable;
      estimatedCost = estimateSmsCost(readSmsPricing(workspace.settings), sendableByCountry, perMessage);
    }
  }
  const result: TDryRun = {
    ...counts,
    smsSegments,
    estimatedCost,
    timezones,
    ...(bestHour ? { bestHour } : {}),
    computedAt: now.toISOString(),
  };
  await inTransaction(ctx.db, async (tx) => {
    await tx.update(campaigns).set({ lastDryRun: result, lastDryRunAt: now }).where(eq(campaigns.id, row.id));
    await writeAudit(tx, ctx, {
      action: "campaign.dry_run",
      targetType: "campaign",
      targetId: row.id,
      after: {
        audience: result.audience,
        sendable: result.sendable,
        blocked: result.blocked,
        deferred: result.deferred,
      },
    });
  });
  return result;
}

/**
 * Where a local-time send would take each audience member's zone from (`freezeRun` resolves it
 * the same way): the contact's own zone when the database knows it, the phone number's country,
 * the workspace's when none is set, and `fallback` for a zone that is set but unknown (sent on
 * the workspace's clock: a figure to check before a local-time send).
 */
async function countZoneSources(db: Queryable, where: SQL): Promise<TDryRun["timezones"]> {
  const countries = countryZoneEntries().map(([country]) => country);
  const rows = resultRows<{ source: string; n: number }>(
    await db.execute(sql`
      with known_zones as materialized (select name from pg_timezone_names)
      select case
               when ${contacts.timezone} is not null
                    and exists (select 1 from known_zones k where k.name = ${contacts.timezone}) then 'contact'
               when ${contacts.phoneCountry} = any(${pgTextArray(countries)}::text[]) then 'phone'
               when ${contacts.timezone} is not null then 'fallback'
               else 'workspace'
             end as source, count(*)::int as n
        from ${contacts}
       where ${where}
       group by 1`),
  );
  const counts = { contact: 0, phone: 0, workspace: 0, fallback: 0 };
  for (const row of rows) counts[row.source as keyof typeof counts] = Number(row.n);
  return counts;
}

/** The best-hour model over the audience members (the freeze's statement, counted instead of inserted). */
async function countBestHours(
  db: Queryable,
  input: {
    workspaceId: string;
    where: SQL;
    schedule: BestHourSchedule;
    row: { channel: "email" | "sms" };
    settings: MessagingSettings;
    now: Date;
  },
): Promise<NonNullable<TDryRun["bestHour"]>> {
  const { schedule } = input;
  const rows = resultRows<{ hour: number; history: boolean; n: number }>(
    await db.execute(sql`
      with members as (select id, timezone, phone_country from ${contacts} where ${input.where})
      ${zonedCtes(sql`members`, input.settings.timezone)}${bestHourCtes({
        workspaceId: input.workspaceId,
        schedule,
        channel: input.row.channel,
        messaging: input.settings,
        now: input.now,
      })}
      select extract(hour from send_at at time zone zone)::int as hour, events > 0 as history, count(*)::int as n
        from chosen
       group by 1, 2`),
  );
  const hours = new Map<number, number>();
  let withHistory = 0;
  let priorOnly = 0;
  for (const row of rows) {
    const n = Number(row.n);
    hours.set(Number(row.hour), (hours.get(Number(row.hour)) ?? 0) + n);
    if (row.history) withHistory += n;
    else priorOnly += n;
  }
  return {
    windowStart: schedule.windowStart,
    windowHours: schedule.windowHours,
    withHistory,
    priorOnly,
    hours: [...hours.entries()].sort((a, b) => a[0] - b[0]).map(([hour, recipients]) => ({ hour, recipients })),
  };
}
