import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { resultRows } from "@/db/map-rows";
import { campaignRecipients, campaignRuns, messages } from "@/db/schema";

/** The block reason a cap follow-up sends to again. */
export const CAP_REASON = "frequency_cap";

/**
 * The contacts a frequency cap skipped in the campaign's runs and that no later run of it has
 * reached since, as a query of `contact_id`s. A recipient is cap-skipped when a run blocked it
 * with `frequency_cap`, at the freeze (`campaign_recipients`, the `campaign_recipients_cap_blocked_idx`
 * rows) or when its chunk decided (its message blocked with that reason, `messages_campaign_run_idx`),
 * and no run of the campaign created after that one holds the contact (any row: sent, pending,
 * blocked for another reason). A later run that was capped again makes it cap-skipped in that run
 * instead. The work follows the capped rows, never the runs' whole audiences: each later run is
 * looked up on the primary key (run, contact).
 */
export function capSkippedContactsSql(workspaceId: string, campaignId: string): SQL {
  return sql`
    with runs as (
      select ${campaignRuns.id} as id, ${campaignRuns.createdAt} as created_at
        from ${campaignRuns}
       where ${campaignRuns.workspaceId} = ${workspaceId}::uuid and ${campaignRuns.campaignId} = ${campaignId}::uuid
    ),
    capped as (
      select r.run_id, r.contact_id
        from ${campaignRecipients} r join runs on runs.id = r.run_id
       where r.status = 'blocked' and r.reason = ${CAP_REASON}
      union
      select r.run_id, r.contact_id
        from ${messages} m
        join runs on runs.id = m.campaign_run_id
        join ${campaignRecipients} r on r.run_id = m.campaign_run_id and r.contact_id = m.contact_id and r.message_id = m.id
       where m.status = 'blocked' and m.reason = ${CAP_REASON}
    )
    select distinct c.contact_id
      from capped c join runs cr on cr.id = c.run_id
     where not exists (
       select 1 from runs later join ${campaignRecipients} r2 on r2.run_id = later.id and r2.contact_id = c.contact_id
        where (later.created_at, later.id) > (cr.created_at, cr.id))`;
}

/** How many recipients of the campaign are cap-skipped now (`capSkippedContactsSql`). */
export async function countCapSkipped(db: Queryable, workspaceId: string, campaignId: string): Promise<number> {
  const result = await db.execute(
    sql`select count(*)::int as n from (${capSkippedContactsSql(workspaceId, campaignId)}) s`,
  );
  return Number(resultRows<{ n: number }>(result)[0]?.n ?? 0);
}
