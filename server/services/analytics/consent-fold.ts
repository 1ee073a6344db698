import { sql, type SQL } from "drizzle-orm";

/**
 * The consent ledger folded the way the projection folds it, as the CTEs `ev`, `decisive` and
 * `moved` for a statement to select from: every event of each contact × channel × topic in the
 * order it was applied (`seq`); a confirmed grant (an opt-in that needed no confirmation, or a
 * confirmation) makes the pair consented, an opt-out ends it, pending grants and expiries change
 * nothing, and an opt-in that happened before an opt-out was recorded does not undo it.
 * `moved` holds each decisive event with the state before it (`prev`) and after it (`state`);
 * a transition is a row where they differ.
 *
 * The whole ledger is folded whatever range is asked (a caller bounds the transitions by their
 * `occurred_at`), so the count of a day never depends on the range around it, and per-day counts
 * stored by the roll-up add up to the live answer. `touchedSince` keeps only the pairs with an
 * event recorded since that instant (whole pairs, so `prev` stays right): the few pairs that
 * changed lately, found through `consent_events_workspace_recorded_idx`. `filter` adds conditions
 * on `e` (channel and topic filters).
 */
export function consentMovesSql(input: { workspaceId: string; touchedSince?: string; filter?: SQL }): SQL {
  const touched = input.touchedSince
    ? sql`and (e.channel, e.topic_id, e.contact_id) in (
             select t.channel, t.topic_id, t.contact_id from consent_events t
              where t.workspace_id = ${input.workspaceId}::uuid and t.recorded_at >= ${input.touchedSince}::timestamptz)`
    : sql``;
  return sql`
    with ev as (
      select e.channel, e.topic_id, e.contact_id, e.seq, e.occurred_at, e.action,
             max(case when e.action = 'opted_out' then e.recorded_at end)
               over (partition by e.channel, e.topic_id, e.contact_id order by e.seq
                     rows between unbounded preceding and 1 preceding) as last_out_recorded
        from consent_events e
       where e.workspace_id = ${input.workspaceId}::uuid
         and (e.action in ('opted_out', 'confirmed') or (e.action = 'opted_in' and not e.needs_confirmation))
         ${touched}
         ${input.filter ?? sql``}
    ),
    decisive as (
      select channel, topic_id, contact_id, seq, occurred_at, action <> 'opted_out' as state
        from ev
       where action = 'opted_out' or last_out_recorded is null or occurred_at > last_out_recorded
    ),
    moved as (
      select channel, topic_id, occurred_at, state,
             coalesce(lag(state) over (partition by channel, topic_id, contact_id order by seq), false) as prev
        from decisive
    )`;
}
