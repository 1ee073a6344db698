import type { Clock } from "@/server/lib/clock";
import type { ServiceContext } from "../context";
import type { SendOutcome, SendRequest } from "./pipeline-types";
import { recordSends } from "./record-sends";

/** Sends in one grouped `recordSends` call at most. */
const GROUP_MAX_SENDS = 64;
/** Grouped calls in flight at once per workspace; sends arriving meanwhile wait for the next one. */
const GROUP_MAX_IN_FLIGHT = 2;

interface Waiting {
  ctx: ServiceContext;
  request: SendRequest;
  resolve: (outcome: SendOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of single sends (`send_with_consent`): the sends of one workspace that arrive while
 * earlier ones are being recorded are recorded together, by ONE `recordSends` call: one decision
 * read for all their contacts, one INSERT of all their rows, one transaction. `recordSends` takes
 * a list of independent sends already (each with its own contact, channel, topic, content and
 * idempotency key; a key repeated inside the call answers like a repeat), decides them in order
 * (so each counts towards the caps of those after it, as one after the other would) and answers
 * each with its own outcome, refusals included. A send that finds fewer than GROUP_MAX_IN_FLIGHT
 * calls running for its workspace starts one at once (alone at low load: no added latency). If a
 * grouped call fails as a whole (a database error), its sends are recorded again one by one, so
 * one cannot fail the others.
 */
class SendGroups {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;

  record(ctx: ServiceContext, request: SendRequest): Promise<SendOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ctx, request, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    while (this.inFlight < GROUP_MAX_IN_FLIGHT && this.waiting.length > 0) {
      const group = this.waiting.splice(0, GROUP_MAX_SENDS);
      this.inFlight++;
      void this.flush(group).finally(() => {
        this.inFlight--;
        this.kick();
      });
    }
  }

  private async flush(group: Waiting[]): Promise<void> {
    try {
      // db, clock and workspace are the group's key; recordSends reads nothing else of the context.
      const outcomes = await recordSends({ ctx: group[0]!.ctx, input: { requests: group.map((w) => w.request) } });
      group.forEach((waiting, i) => waiting.resolve(outcomes[i]!));
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      for (const waiting of group)
        await recordSends({ ctx: waiting.ctx, input: { requests: [waiting.request] } }).then(
          ([outcome]) => waiting.resolve(outcome!),
          waiting.reject,
        );
    }
  }
}

// Per database handle, clock and workspace: a test's database or clock never shares a group.
const groups = new WeakMap<object, WeakMap<Clock, Map<string, SendGroups>>>();

/** `recordSends` for one send, grouped with the concurrent sends of its workspace (see `SendGroups`). */
export function recordSendGrouped(ctx: ServiceContext, request: SendRequest): Promise<SendOutcome> {
  let byClock = groups.get(ctx.db);
  if (!byClock) groups.set(ctx.db, (byClock = new WeakMap()));
  let byWorkspace = byClock.get(ctx.now);
  if (!byWorkspace) byClock.set(ctx.now, (byWorkspace = new Map()));
  let sendGroups = byWorkspace.get(ctx.workspaceId);
  if (!sendGroups) byWorkspace.set(ctx.workspaceId, (sendGroups = new SendGroups()));
  return sendGroups.record(ctx, request);
}
