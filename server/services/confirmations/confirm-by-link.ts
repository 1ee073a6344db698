import { and, eq, gt, isNull } from "drizzle-orm";
import { consentConfirmations } from "@/db/schema";
import type { RequestEvidence } from "@/server/lib/client-address";
import { maskEmail } from "@/server/lib/logger";
import { decryptOptional } from "@/server/lib/crypto";
import { getContactRow } from "../contacts/rows";
import { inTransaction } from "../context";
import { hashLinkToken, isWellFormedLinkToken } from "./secrets";
import {
  closeConfirmation,
  confirmationState,
  confirmationTopics,
  contextFor,
  recordConfirmedConsent,
  workspaceName,
  type ConfirmationRow,
  type PublicContext,
} from "./shared";

export interface LinkConfirmationView {
  status: "pending" | "confirmed" | "expired";
  brand: string;
  topicNames: string[];
  /** Masked address, e.g. `a•••@example.com`. */
  sentTo: string | null;
}

async function findByToken(ctx: PublicContext, token: string): Promise<ConfirmationRow | null> {
  if (!isWellFormedLinkToken(token)) return null;
  const [row] = await ctx.db
    .select()
    .from(consentConfirmations)
    .where(and(eq(consentConfirmations.secretHash, hashLinkToken(token)), eq(consentConfirmations.method, "link")));
  return row ?? null;
}

async function view(ctx: PublicContext, row: ConfirmationRow, status: LinkConfirmationView["status"]): Promise<LinkConfirmationView> {
  const contact = await getContactRow(ctx.db, row.workspaceId, row.contactId);
  const email = decryptOptional(contact.emailCiphertext, "contact.email");
  return {
    status,
    brand: await workspaceName(ctx.db, row.workspaceId),
    topicNames: (await confirmationTopics(ctx.db, row)).map((t) => t.name),
    sentTo: email ? maskEmail(email) : null,
  };
}

/**
 * What the email link's page shows (GET). Read-only: mail scanners prefetch links, so looking
 * never confirms anything. null = no such link (the page answers 404).
 */
export async function getLinkConfirmation({ ctx, token }: { ctx: PublicContext; token: string }): Promise<LinkConfirmationView | null> {
  const row = await findByToken(ctx, token);
  if (!row) return null;
  const state = confirmationState(row, ctx.now());
  return view(ctx, row, state === "open" ? "pending" : state === "confirmed" ? "confirmed" : "expired");
}

export interface ConfirmResult extends LinkConfirmationView {
  /** True only for the call that confirmed; a repeat answers `confirmed` with `changed: false`. */
  changed: boolean;
}

/**
 * Confirms the request behind an email link (the page's button POSTs here). Idempotent: a second
 * click answers "already confirmed" and records nothing; the conditional update lets exactly one
 * concurrent click win. An expired link confirms nothing (and closes the request with an
 * `expired` event if the nightly job has not yet). On success the `confirmed` ledger event carries
 * the original request's evidence plus the confirming click's ip and user agent.
 * Audited as the contact. null = no such link.
 */
export async function confirmByLink({
  ctx,
  token,
  meta = {},
}: {
  ctx: PublicContext;
  token: string;
  meta?: RequestEvidence;
}): Promise<ConfirmResult | null> {
  const row = await findByToken(ctx, token);
  if (!row) return null;
  const svc = contextFor(ctx, row, { type: "contact", contactId: row.contactId });
  const outcome = await inTransaction(ctx.db, async (tx) => {
    const now = ctx.now();
    const [won] = await tx
      .update(consentConfirmations)
      .set({ confirmedAt: now })
      .where(
        and(
          eq(consentConfirmations.id, row.id),
          isNull(consentConfirmations.confirmedAt),
          isNull(consentConfirmations.closedAt),
          gt(consentConfirmations.expiresAt, now),
        ),
      )
      .returning();
    if (won) {
      await recordConfirmedConsent(tx, svc, won, meta);
      return { status: "confirmed" as const, changed: true };
    }
    const [current] = await tx.select().from(consentConfirmations).where(eq(consentConfirmations.id, row.id));
    const state = confirmationState(current!, now);
    if (state === "confirmed") return { status: "confirmed" as const, changed: false };
    if (state === "expired") await closeConfirmation(tx, svc, current!, "confirmation link expired");
    return { status: "expired" as const, changed: false };
  });
  return { ...(await view(ctx, row, outcome.status)), changed: outcome.changed };
}
