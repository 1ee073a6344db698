import type { z } from "zod";
import { readSmsPricing, ZSmsPricing, type SmsPricing } from "@/server/shared/sms-pricing";
import { requireAccess, type ServiceContext } from "../context";
import { writeSettingsSection } from "../workspaces/write-settings-section";

export const ZUpdateSmsPricingInput = ZSmsPricing;
export type TUpdateSmsPricingInput = z.input<typeof ZSmsPricing>;

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
  requireAccess(ctx, { scope: "admin", role: "admin", what: "SMS prices" });
  const values = ZUpdateSmsPricingInput.parse(input);
  const saved: SmsPricing = {
    segmentPrice: values.segmentPrice,
    countryPrices: Object.fromEntries(Object.entries(values.countryPrices).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  return writeSettingsSection(ctx, {
    key: "sms",
    value: saved,
    merge: true,
    action: "workspace.sms_pricing_updated",
    before: (row) => readSmsPricing(row.settings),
  });
}
