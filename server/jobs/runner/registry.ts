import { Cron } from "croner";
import { EventType, type InngestFunction } from "inngest";
import type { Logger } from "@/server/lib/logger";
import { compileExpression, type CompiledExpression } from "./expressions";

/** Name of the event a cron trigger's run receives (the SDK's `internalEvents.ScheduledTimer`). */
export const CRON_EVENT_NAME = "inngest/scheduled.timer";
/** Name of the event an `onFailure` handler's run receives (`internalEvents.FunctionFailed`). */
export const FAILURE_EVENT_NAME = "inngest/function.failed";
/** The SDK's default when a function does not set `retries`. */
const DEFAULT_RETRIES = 3;

export interface CronSchedule {
  expression: string;
  cron: Cron;
}

/** One entry per function id the serve handler answers to (an `onFailure` handler is its own). */
export interface RegisteredFunction {
  /** Full id as the serve protocol's `fnId` (app id + "-" + function id). */
  fnId: string;
  kind: "main" | "failure";
  /** Attempts per step (and per run-level failure): `retries` + 1. */
  maxAttempts: number;
  eventTriggers: { name: string; condition?: CompiledExpression }[];
  crons: CronSchedule[];
  idempotency?: CompiledExpression;
  cancelOn: { event: string; condition?: CompiledExpression }[];
  /** Id of the `onFailure` handler to start when a run of this function fails for good. */
  failureFnId?: string;
}

/** Config keys whose behaviour the in-process runner cannot reproduce faithfully. */
const UNSUPPORTED_OPTIONS = ["batchEvents", "debounce"] as const;
/** Flow-control keys the in-process runner ignores (it runs runs one by one per worker). */
const IGNORED_OPTIONS = ["concurrency", "throttle", "rateLimit", "priority", "singleton", "timeouts"] as const;

type AnyOptions = Record<string, unknown> & {
  id: string;
  triggers?: unknown[];
  retries?: number;
  onFailure?: unknown;
  idempotency?: string;
  cancelOn?: { event: string | { name: string }; if?: string; match?: string; timeout?: unknown }[];
};

/** `"TZ=Europe/Paris 0 3 * * *"` → croner with that time zone; UTC otherwise (as Inngest). */
function compileCron(expression: string): Cron {
  const match = /^(?:TZ|CRON_TZ)=(\S+)\s+(.+)$/.exec(expression.trim());
  const pattern = match ? match[2]! : expression.trim();
  return new Cron(pattern, { paused: true, timezone: match ? match[1]! : "UTC" });
}

function eventName(event: unknown): string {
  if (typeof event === "string") return event;
  if (event instanceof EventType) return event.name;
  if (event && typeof event === "object" && "name" in event && typeof event.name === "string") return event.name;
  throw new Error("Unreadable event trigger");
}

/**
 * Reads each function's public options into what the runner needs. Fails fast (at boot) on
 * options the runner cannot honour and on conditions outside the supported expression subset.
 */
export function buildRegistry(
  appId: string,
  functions: readonly InngestFunction.Any[],
  logger: Logger,
): Map<string, RegisteredFunction> {
  const registry = new Map<string, RegisteredFunction>();
  for (const fn of functions) {
    const opts = fn.opts as AnyOptions;
    const fnId = fn.id(appId);
    for (const key of UNSUPPORTED_OPTIONS) {
      if (opts[key] !== undefined) {
        throw new Error(
          `Function "${fnId}" uses "${key}", which the in-process job runner does not support (docs/jobs.md)`,
        );
      }
    }
    const ignored = IGNORED_OPTIONS.filter((key) => opts[key] !== undefined);
    if (ignored.length > 0) logger.warn({ fnId, ignored }, "in-process job runner ignores these function options");

    const eventTriggers: RegisteredFunction["eventTriggers"] = [];
    const crons: CronSchedule[] = [];
    for (const trigger of opts.triggers ?? []) {
      const t = trigger as { cron?: string; event?: unknown; if?: string };
      if (typeof t.cron === "string") crons.push({ expression: t.cron, cron: compileCron(t.cron) });
      else if (t.event !== undefined) {
        eventTriggers.push({ name: eventName(t.event), condition: t.if ? compileExpression(t.if) : undefined });
      }
    }
    const failureFnId = opts.onFailure ? `${fnId}-failure` : undefined;
    registry.set(fnId, {
      fnId,
      kind: "main",
      maxAttempts: (opts.retries ?? DEFAULT_RETRIES) + 1,
      eventTriggers,
      crons,
      idempotency: opts.idempotency ? compileExpression(opts.idempotency) : undefined,
      cancelOn: (opts.cancelOn ?? []).map((c) => {
        const condition = c.match ? `event.${c.match} == async.${c.match}` : c.if;
        return { event: eventName(c.event), condition: condition ? compileExpression(condition) : undefined };
      }),
      failureFnId,
    });
    if (failureFnId) {
      // The SDK registers failure handlers with one retry.
      registry.set(failureFnId, {
        fnId: failureFnId,
        kind: "failure",
        maxAttempts: 2,
        eventTriggers: [],
        crons: [],
        cancelOn: [],
      });
    }
  }
  return registry;
}

/** Exact name, or a `prefix/*` wildcard as Inngest allows. */
export function eventNameMatches(pattern: string, name: string): boolean {
  if (pattern.endsWith("*")) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}
