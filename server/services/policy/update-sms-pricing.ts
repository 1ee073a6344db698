import { eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { workspaces } from "@/db/schema";
import { forbidden, notFound } from "@/server/lib/errors";
import { readSmsPricing, ZSmsPricing, type SmsPricing } from "@/server/shared/sms-pricing";
import { writeAudit } from "../audit/write-audit";
import { hasRole, hasScope, inTransaction, type ServiceContext } from "../context";

export const ZUpdateSmsPricingInput = ZSmsPricing;
export type TUpdateSmsPricingInput = z.input<typeof ZSmsPricing>;

function canUpdate(ctx: ServiceContext): boolean {
  switch (ctx.actor.type) {
    case "user":
      return hasRole(ctx.actor.role, "admin");
    case "apiKey":
      return hasScope(ctx.actor.scopes, "admin");
    case "system":
      return true;
    default:
      return false;
  }
}

/**
 * Replaces the workspace's SMS prices (the default price per segment and the prices per
 * destination country). Admins and owners only; the input is validated whole before anything is
 * written (prices 0–10 USD with up to 5 decimals, known ISO 3166-1 alpha-2 codes), so a bad
 * entry changes nothing. Only `segmentPrice` and `countryPrices` of `workspaces.settings.sms`
 * are written (a JSON merge: other settings written concurrently survive). Audited as
 * `workspace.sms_pricing_updated` with the prices before and after (no personal data).
 * Idempotent: saving the same prices again writes an audit row but changes nothing else.
 */
export async function updateSmsPricing({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateSmsPricingInput;
}): Promise<SmsPricing> {
  if (!canUpdate(ctx)) throw forbidden("Only admins and owners can change SMS prices");
  const values = ZUpdateSmsPricingInput.parse(input);
  const saved: SmsPricing = {
    segmentPrice: values.segmentPrice,
    countryPrices: Object.fromEntries(Object.entries(values.countryPrices).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  return inTransaction(ctx.db, async (tx) => {
    const [before] = await tx
      .select({ settings: workspaces.settings })
      .from(workspaces)
      .where(eq(workspaces.id, ctx.workspaceId))
      .for("update");
    if (!before) throw notFound("Workspace");
    const previous = readSmsPricing(before.settings);
    await tx
      .update(workspaces)
      .set({
        settings: sql`${workspaces.settings} || jsonb_build_object('sms',
          coalesce(case when jsonb_typeof(${workspaces.settings} -> 'sms') = 'object' then ${workspaces.settings} -> 'sms' end, '{}'::jsonb)
          || ${JSON.stringify(saved)}::jsonb)`,
        updatedAt: ctx.now(),
      })
      .where(eq(workspaces.id, ctx.workspaceId));
    await writeAudit(tx, ctx, {
      action: "workspace.sms_pricing_updated",
      targetType: "workspace",
      targetId: ctx.workspaceId,
      before: { ...previous },
      after: { ...saved },
    });
    return saved;
  });
}
