import { and, asc, isNull, lte } from "drizzle-orm";
import { consentConfirmations } from "@/db/schema";
import { inTransaction, type JobContext } from "../context";
import { closeConfirmation, contextFor } from "./shared";

/**
 * For the scheduled job: closes every unconfirmed request past its expiry and writes the
 * `expired` ledger event that ends its pending state. Idempotent (a closed row is never closed
 * twice, see `closeConfirmation`), safe to run concurrently, works in batches of `batchSize`.
 * Returns how many requests it closed.
 */
export async function expireConfirmations({
  ctx,
  input = {},
}: {
  ctx: JobContext;
  input?: { batchSize?: number };
}): Promise<{ expired: number }> {
  const { db, now } = ctx;
  const { batchSize = 500 } = input;
  let expired = 0;
  for (;;) {
    const due = await db
      .select()
      .from(consentConfirmations)
      .where(
        and(
          isNull(consentConfirmations.confirmedAt),
          isNull(consentConfirmations.closedAt),
          lte(consentConfirmations.expiresAt, now()),
        ),
      )
      .orderBy(asc(consentConfirmations.expiresAt))
      .limit(batchSize);
    for (const row of due) {
      const closed = await inTransaction(db, (tx) =>
        closeConfirmation(
          tx,
          contextFor({ db: tx, now }, row, { type: "system", job: "expire-confirmations" }),
          row,
          "confirmation expired",
        ),
      );
      if (closed) expired += 1;
    }
    if (due.length < batchSize) return { expired };
  }
}
