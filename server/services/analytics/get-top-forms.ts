import { sql } from "drizzle-orm";
import { resultRows } from "@/db/map-rows";
import type { ServiceContext } from "../context";
import { channelTopicSql, rangeOut, resolveFilters } from "./filters";
import type { TAnalyticsInput, TTopForms } from "./schemas";

/** At most this many forms in the ranking. */
const TOP_FORMS = 10;

/**
 * Forms ranked by the opt-ins recorded through them in the range (ledger rows with source `form`
 * and action `opted_in`, the form read from the evidence's `formVersion` "{formId}@v{n}", as the
 * forms list counts sign-ups), with the distinct contacts behind them. A double opt-in form's
 * submissions count when submitted (confirmation comes later, or never).
 */
export async function getTopForms({ ctx, input }: { ctx: ServiceContext; input: TAnalyticsInput }): Promise<TTopForms> {
  const filters = await resolveFilters(ctx, input);
  const result = await ctx.db.execute(sql`
    with submitted as (
      select split_part(e.evidence->>'formVersion', '@', 1) as form_id, e.contact_id
        from consent_events e
       where e.workspace_id = ${ctx.workspaceId}::uuid
         and e.action = 'opted_in' and e.source = 'form'
         and e.occurred_at >= ${filters.start.toISOString()}::timestamptz
         and e.occurred_at < ${filters.end.toISOString()}::timestamptz
         and e.evidence->>'formVersion' like '%@v%'
         ${channelTopicSql(filters, "e")}
    )
    select f.id::text as form_id, f.name, count(*)::int as opt_ins, count(distinct s.contact_id)::int as contacts
      from submitted s
      join forms f on f.id::text = s.form_id and f.workspace_id = ${ctx.workspaceId}::uuid
     group by f.id, f.name
     order by opt_ins desc, contacts desc, f.name, f.id
     limit ${TOP_FORMS}`);
  return {
    range: rangeOut(filters),
    forms: resultRows<{ form_id: string; name: string; opt_ins: number; contacts: number }>(result).map((r) => ({
      formId: String(r.form_id),
      name: r.name,
      optIns: Number(r.opt_ins),
      contacts: Number(r.contacts),
    })),
  };
}
