import type { FinalFailureHandler } from "./outbox";
import { sendFallback } from "./send-fallback";

/**
 * The outbox's final-failure handler of the application (`createOutbox({ onFinalFailure })`):
 * a message that asked for `fallback` and failed for good at delivery, was blocked there, or was
 * reported failed by a webhook after the hand-over gets its fallback, acting as the system.
 * Idempotent: the fallback's key makes a second call answer the first fallback.
 */
export const fallbackOnFinalFailure: FinalFailureHandler = async (deps, row) => {
  if (!(row.options as { fallback?: boolean } | null)?.fallback || row.relation === "fallback") return;
  await sendFallback({
    ctx: {
      db: deps.db,
      workspaceId: row.workspaceId,
      actor: { type: "system", job: "message-fallback" },
      now: deps.now,
      outbox: deps.outbox,
    },
    input: { parent: row },
  });
};
