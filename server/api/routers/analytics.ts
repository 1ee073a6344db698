import {
  getBestSendHour,
  getConsentTrend,
  getDeliveryStats,
  getTopForms,
  ZAnalyticsInput,
  ZBestSendHour,
  ZConsentTrend,
  ZDeliveryStats,
  ZTopForms,
} from "@/server/services/analytics";
import { createTRPCRouter, memberProcedure, workspaceProcedure } from "../trpc";

const TAGS = ["Analytics"];
/**
 * Aggregates only (counts and rates, no contact data): whoever may read campaigns, members from
 * viewer up or a key with `campaigns:read`.
 */
const read = workspaceProcedure({ scope: "campaigns:read", role: "viewer" });
/** Admin UI only (the dashboard's other sections). */
const memberRead = memberProcedure("viewer");

const FILTERS =
  "Days are calendar days in the workspace's time zone (`range.timezone`); `from`/`to` default to the last 30 days, at most 366; `topic` (a topic key; unknown: 404) and `channel` narrow it. A bad date or range answers 400. Needs the `campaigns:read` scope.";

/** The analytics dashboard: one procedure per section, the first two also REST routes. */
export const analyticsRouter = createTRPCRouter({
  delivery: read
    .meta({
      openapi: {
        method: "GET",
        path: "/analytics/delivery",
        tags: TAGS,
        summary: "Delivery statistics",
        description: `Outbound messages to contacts created in the range, per day: handed to a provider (\`sent\`), reached (\`delivered\`), \`bounced\`, otherwise \`failed\`, \`complained\`, and \`blocked\` by the policy; totals with the delivery rate (delivered ÷ sent), bounce rate (bounced ÷ sent) and complaint rate (complained ÷ delivered), and blocked sends by reason. The same numbers as the dashboard. ${FILTERS}`,
        protect: true,
      },
    })
    .input(ZAnalyticsInput)
    .output(ZDeliveryStats)
    .query(({ ctx, input }) => getDeliveryStats({ ctx: ctx.svc, input })),

  consentTrend: read
    .meta({
      openapi: {
        method: "GET",
        path: "/analytics/consent-trend",
        tags: TAGS,
        summary: "Consent trend",
        description: `Opt-ins, opt-outs and net growth of the consented audience per day and per channel × topic, from the consent ledger as the projection folds it (an opt-in counts when the contact was not consented on that channel and topic, an opt-out when they were; pending double opt-in grants count once confirmed), with the consented audience before the range and at the end of each day. The same numbers as the dashboard. ${FILTERS}`,
        protect: true,
      },
    })
    .input(ZAnalyticsInput)
    .output(ZConsentTrend)
    .query(({ ctx, input }) => getConsentTrend({ ctx: ctx.svc, input })),

  bestSendHour: memberRead
    .input(ZAnalyticsInput)
    .output(ZBestSendHour)
    .query(({ ctx, input }) => getBestSendHour({ ctx: ctx.svc, input })),

  topForms: memberRead
    .input(ZAnalyticsInput)
    .output(ZTopForms)
    .query(({ ctx, input }) => getTopForms({ ctx: ctx.svc, input })),
});
