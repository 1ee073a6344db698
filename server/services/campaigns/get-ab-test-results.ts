import { and, eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import {
  campaignRecipients,
  campaignRuns,
  consentEvents,
  messages,
  type CampaignAbSendTime,
  type CampaignRow,
} from "@/db/schema";
import { ACCEPTED_STATUSES, type AbTestMetric, type AbVariantKey } from "@/server/shared/enums";
import type { ServiceContext } from "../context";
import { isSendTimeTest, sendWindowHours } from "./ab-send-time";
import { significanceOf, SIGNIFICANCE_LEVEL, winnerOf } from "./ab-stats";
import { findCampaign } from "./rows";
import { statusesSql } from "./runs";
import { ZGetCampaignInput, type TAbTestResults, type TGetCampaignInput } from "./schemas";

/** Opt-outs a recipient makes themselves: the unsubscribe link, the preference page, STOP. */
const RECIPIENT_OPT_OUT_SOURCES = sql`('one_click', 'preference_center', 'sms_keyword')`;

/** The test run (`ab_test`) and remainder run (`ab_remainder`) of a campaign, newest not cancelled. */
export async function abTestRuns(
  db: Queryable,
  campaignId: string,
): Promise<{
  test: typeof campaignRuns.$inferSelect | undefined;
  remainder: typeof campaignRuns.$inferSelect | undefined;
}> {
  const runs = await db
    .select()
    .from(campaignRuns)
    .where(and(eq(campaignRuns.campaignId, campaignId), sql`${campaignRuns.kind} in ('ab_test', 'ab_remainder')`));
  return {
    test: runs.find((r) => r.kind === "ab_test" && r.status !== "cancelled"),
    remainder: runs.find((r) => r.kind === "ab_remainder"),
  };
}

/**
 * The A/B test of a campaign and its results, per variant from the test run's recipients and
 * their messages (one GROUP BY): assigned, sent (accepted by the provider), delivered, opened and
 * clicked by a person (`messages.opened_at`/`clicked_at`: machine events leave them alone),
 * replied (SMS), unsubscribed (the recipient opted out of the campaign's topic on its channel by
 * the link, the preference page or STOP after the message was recorded: the consent ledger names
 * no message, so this is attribution by contact, topic and time), with rates over sent. The
 * significance on the test's metric: two variants, a two-proportion z-test with the 95% CI of
 * B − A; three or four, a chi-square test of independence.
 */
export async function getAbTestResults({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TGetCampaignInput;
}): Promise<TAbTestResults> {
  const { id } = ZGetCampaignInput.parse(input);
  const row = await findCampaign(ctx.db, ctx.workspaceId, id);
  return abTestResultsOf(ctx.db, row);
}

/** `getAbTestResults` for a campaign row already read (the decision reads it under its lock). */
export async function abTestResultsOf(db: Queryable, row: CampaignRow): Promise<TAbTestResults> {
  const test = row.abTest;
  const { test: testRun, remainder } = await abTestRuns(db, row.id);
  const empty: TAbTestResults = {
    campaignId: row.id,
    settings: null,
    status: null,
    winner: null,
    decidedAt: null,
    decideAfter: null,
    sendWindowEnd: null,
    lift: null,
    testRunId: testRun?.id ?? null,
    remainderRunId: remainder?.id ?? null,
    variants: [],
    significance: null,
  };
  if (!test) return empty;
  const counts = new Map<string, Record<string, number>>();
  if (testRun) {
    const rows = resultRows<Record<string, number> & { variant: string }>(
      await db.execute(sql`
        select r.variant,
               count(*)::int as assigned,
               count(m.id) filter (where m.status::text in (${statusesSql(ACCEPTED_STATUSES)}) or m.status::text = 'complained')::int as sent,
               count(m.id) filter (where m.status::text = 'delivered')::int as delivered,
               count(m.opened_at)::int as opened,
               count(m.clicked_at)::int as clicked,
               count(m.replied_at)::int as replied,
               count(m.id) filter (where exists (
                 select 1 from ${consentEvents} e
                  where e.workspace_id = r.workspace_id and e.contact_id = r.contact_id
                    and e.topic_id = ${row.topicId}::uuid and e.channel::text = ${row.channel}
                    and e.action = 'opted_out' and e.source::text in ${RECIPIENT_OPT_OUT_SOURCES}
                    and e.occurred_at >= m.created_at))::int as unsubscribed
          from ${campaignRecipients} r
          left join ${messages} m on m.id = r.message_id
         where r.run_id = ${testRun.id}::uuid and r.variant is not null
         group by r.variant`),
    );
    for (const r of rows) counts.set(r.variant, r);
  }
  const winner = test.winner ?? null;
  const variants = test.variants.map((v) => {
    const c = counts.get(v.key) ?? {};
    const n = (k: string) => Number(c[k] ?? 0);
    const sent = n("sent");
    const rate = (k: string) => (sent > 0 ? n(k) / sent : null);
    return {
      key: v.key,
      subject: v.subject ?? (row.templateId ? null : (row.content?.subject ?? null)),
      senderName: v.senderName ?? null,
      label: sendTimeLabel(v.sendTime) ?? `Variant ${v.key}`,
      sendTime: v.sendTime ?? null,
      assigned: n("assigned"),
      sent,
      delivered: n("delivered"),
      opened: n("opened"),
      clicked: n("clicked"),
      replied: n("replied"),
      unsubscribed: n("unsubscribed"),
      rates: {
        delivered: rate("delivered"),
        opened: rate("opened"),
        clicked: rate("clicked"),
        replied: rate("replied"),
        unsubscribed: rate("unsubscribed"),
      },
      isDefault: v.key === test.defaultVariant,
      isWinner: v.key === winner,
    };
  });
  let significance: TAbTestResults["significance"] = null;
  if (testRun?.frozenAt) {
    const observed = variants.map((v) => ({ key: v.key, successes: v[test.metric], trials: v.sent }));
    const result = significanceOf(observed);
    significance = {
      test: result.test,
      metric: test.metric,
      pValue: result.pValue,
      statistic: result.test === "two_proportion_z" ? result.z : result.statistic,
      difference: result.test === "two_proportion_z" ? result.difference : null,
      ci95: result.test === "two_proportion_z" ? result.ci95 : null,
      significant: result.pValue < SIGNIFICANCE_LEVEL,
      leader: winnerOf(observed, result.pValue) as AbVariantKey | null,
    };
  }
  const windowHours = sendWindowHours(test);
  return {
    ...empty,
    settings: {
      variants: test.variants,
      share: test.share,
      metric: test.metric,
      waitHours: test.waitHours,
      defaultVariant: test.defaultVariant,
    },
    status: test.status,
    winner,
    decidedAt: test.decidedAt ?? null,
    decideAfter: testRun?.frozenAt
      ? new Date(testRun.frozenAt.getTime() + (windowHours + test.waitHours) * 3_600_000).toISOString()
      : null,
    sendWindowEnd: testRun?.frozenAt
      ? new Date(testRun.frozenAt.getTime() + windowHours * 3_600_000).toISOString()
      : null,
    lift: isSendTimeTest(test) && significance ? liftOf(test.metric, variants, significance) : null,
    variants,
    significance,
  };
}

/** How a send-time variant is labelled (null: not a send-time variant). */
export function sendTimeLabel(sendTime: CampaignAbSendTime | undefined): string | null {
  if (!sendTime) return null;
  return sendTime.mode === "best_hour" ? "Best hour" : "Fixed time";
}

/**
 * A send-time test's lift: (best-hour rate − fixed-time rate) ÷ fixed-time rate, with the 95%
 * interval of the rate difference (the z-test's, `ab-stats.ts`) divided by the fixed-time rate.
 * The z-test's difference is the second variant's rate minus the first's: flipped when the
 * best-hour variant comes first.
 */
function liftOf(
  metric: AbTestMetric,
  variants: TAbTestResults["variants"],
  significance: TAbTestResults["significance"],
): TAbTestResults["lift"] {
  const fixed = variants.find((v) => v.sendTime?.mode === "fixed");
  const best = variants.find((v) => v.sendTime?.mode === "best_hour");
  if (!fixed || !best) return null;
  const fixedRate = fixed.sent > 0 ? fixed[metric] / fixed.sent : null;
  const bestHourRate = best.sent > 0 ? best[metric] / best.sent : null;
  if (fixedRate === null || bestHourRate === null || fixedRate === 0)
    return { metric, fixedRate, bestHourRate, relative: null, ci95: null };
  const sign = variants.indexOf(best) > variants.indexOf(fixed) ? 1 : -1;
  const ci = significance?.ci95 ?? null;
  return {
    metric,
    fixedRate,
    bestHourRate,
    relative: (bestHourRate - fixedRate) / fixedRate,
    ci95: ci
      ? ([(sign * ci[sign === 1 ? 0 : 1]) / fixedRate, (sign * ci[sign === 1 ? 1 : 0]) / fixedRate] as [number, number])
      : null,
  };
}
