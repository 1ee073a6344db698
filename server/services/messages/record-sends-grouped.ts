import type { Clock } from "@/server/lib/clock";
import { GroupCommit } from "@/server/lib/group-commit";
import type { ServiceContext } from "../context";
import type { SendOutcome, SendRequest } from "./pipeline-types";
import { recordSends } from "./record-sends";

/** Sends in one grouped `recordSends` call at most. */
const GROUP_MAX_SENDS = 64;
/** Grouped calls in flight at once per workspace; sends arriving meanwhile wait for the next one. */
const GROUP_MAX_IN_FLIGHT = 2;

interface GroupedSend {
  ctx: ServiceContext;
  request: SendRequest;
}

// Per database handle, clock and workspace: a test's database or clock never shares a group.
const groups = new WeakMap<object, WeakMap<Clock, Map<string, GroupCommit<GroupedSend, SendOutcome>>>>();

/**
 * `recordSends` for one send (`send_with_consent`), grouped with the concurrent sends of its
 * workspace (`GroupCommit`): the sends that arrive while earlier ones are being recorded are
 * recorded together, by ONE `recordSends` call: one decision read for all their contacts, one
 * INSERT of all their rows, one transaction. `recordSends` takes a list of independent sends
 * already (each with its own contact, channel, topic, content and idempotency key; a key repeated
 * inside the call answers like a repeat), decides them in order (so each counts towards the caps
 * of those after it, as one after the other would) and answers each with its own outcome,
 * refusals included. A grouped call that fails as a whole (a database error) is retried send by
 * send.
 */
export function recordSendGrouped(ctx: ServiceContext, request: SendRequest): Promise<SendOutcome> {
  let byClock = groups.get(ctx.db);
  if (!byClock) groups.set(ctx.db, (byClock = new WeakMap()));
  let byWorkspace = byClock.get(ctx.now);
  if (!byWorkspace) byClock.set(ctx.now, (byWorkspace = new Map()));
  let group = byWorkspace.get(ctx.workspaceId);
  if (!group) {
    group = new GroupCommit<GroupedSend, SendOutcome>({
      maxInFlight: GROUP_MAX_IN_FLIGHT,
      maxSize: GROUP_MAX_SENDS,
      // db, clock and workspace are the group's key; recordSends reads nothing else of the context.
      run: (sends) => recordSends({ ctx: sends[0]!.ctx, input: { requests: sends.map((s) => s.request) } }),
    });
    byWorkspace.set(ctx.workspaceId, group);
  }
  return group.submit({ ctx, request });
}
