import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import type { TrackingEventKind } from "@/server/shared/enums";

/** How one message's events of one kind stand: people's and machines' event counts. */
export interface MessageTally {
  human: number;
  machine: number;
}

/** A message's events of one kind, counted as people's and machines'. */
export function tally(events: { machine: boolean }[]): MessageTally {
  let machine = 0;
  for (const event of events) if (event.machine) machine++;
  return { human: events.length - machine, machine };
}

/** Changes to one `campaign_engagement` row (every field a delta, 0 = unchanged). */
export interface EngagementDelta {
  uniqueOpens?: number;
  totalOpens?: number;
  uniqueMachineOpens?: number;
  machineOpens?: number;
  uniqueAnyOpens?: number;
  uniqueClicks?: number;
  totalClicks?: number;
  uniqueMachineClicks?: number;
  machineClicks?: number;
  uniqueAnyClicks?: number;
  replies?: number;
}

const flag = (n: number) => (n > 0 ? 1 : 0);

/**
 * The roll-up's change when a message's tally of `kind` goes from `before` to `after` (an event
 * added, earlier events reclassified as a machine's): unique counts move when a message starts or
 * stops having such events.
 */
export function tallyDelta(kind: TrackingEventKind, before: MessageTally, after: MessageTally): EngagementDelta {
  const unique = flag(after.human) - flag(before.human);
  const total = after.human - before.human;
  const uniqueMachine = flag(after.machine) - flag(before.machine);
  const machine = after.machine - before.machine;
  const uniqueAny = flag(after.human + after.machine) - flag(before.human + before.machine);
  return kind === "open"
    ? {
        uniqueOpens: unique,
        totalOpens: total,
        uniqueMachineOpens: uniqueMachine,
        machineOpens: machine,
        uniqueAnyOpens: uniqueAny,
      }
    : {
        uniqueClicks: unique,
        totalClicks: total,
        uniqueMachineClicks: uniqueMachine,
        machineClicks: machine,
        uniqueAnyClicks: uniqueAny,
      };
}

const COLUMNS: [keyof EngagementDelta, string][] = [
  ["uniqueOpens", "unique_opens"],
  ["totalOpens", "total_opens"],
  ["uniqueMachineOpens", "unique_machine_opens"],
  ["machineOpens", "machine_opens"],
  ["uniqueAnyOpens", "unique_any_opens"],
  ["uniqueClicks", "unique_clicks"],
  ["totalClicks", "total_clicks"],
  ["uniqueMachineClicks", "unique_machine_clicks"],
  ["machineClicks", "machine_clicks"],
  ["uniqueAnyClicks", "unique_any_clicks"],
  ["replies", "replies"],
];

/**
 * Adds `delta` to the run's engagement row (created on first use), in one upsert. Rows are per
 * campaign × run × variant (null: the campaign's only content).
 */
export async function applyEngagementDelta(
  tx: Queryable,
  target: { workspaceId: string; campaignId: string; runId: string; variant: string | null; at: Date },
  delta: EngagementDelta,
): Promise<void> {
  const changed = COLUMNS.filter(([key]) => (delta[key] ?? 0) !== 0);
  if (changed.length === 0) return;
  const names = sql.raw(changed.map(([, column]) => column).join(", "));
  const values = sql.join(
    changed.map(([key]) => sql`${delta[key] ?? 0}::int`),
    sql`, `,
  );
  const updates = sql.raw(
    changed.map(([, column]) => `${column} = campaign_engagement.${column} + excluded.${column}`).join(", "),
  );
  await tx.execute(sql`
    insert into campaign_engagement (workspace_id, campaign_id, run_id, variant, ${names}, updated_at)
    values (${target.workspaceId}::uuid, ${target.campaignId}::uuid, ${target.runId}::uuid, ${target.variant}::text, ${values}, ${target.at.toISOString()}::timestamptz)
    on conflict (campaign_id, run_id, variant) do update set ${updates}, updated_at = excluded.updated_at`);
}
