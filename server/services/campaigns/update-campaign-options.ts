import { eq } from "drizzle-orm";
import { campaigns } from "@/db/schema";
import { conflict, forbidden, invalid } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { can, inTransaction, type ServiceContext } from "../context";
import { findCampaign, toCampaign, topicKeyOf } from "./rows";
import { ZUpdateCampaignOptionsInput, type TCampaign, type TUpdateCampaignOptionsInput } from "./schemas";

/**
 * Sets a campaign's sending options (error policy, pacing, sending window, drift tolerance,
 * frequency caps; for email also UTM parameters, how files are delivered and the web-version
 * link, INVALID on an SMS campaign). Ignoring frequency caps is for legal notices: admins only (FORBIDDEN
 * otherwise). Changeable until the campaign ends (a running run reads them at each chunk).
 * Audited with before and after.
 */
export async function updateCampaignOptions({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TUpdateCampaignOptionsInput;
}): Promise<TCampaign> {
  const { id, options } = ZUpdateCampaignOptionsInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const row = await findCampaign(tx, ctx.workspaceId, id, { lock: true });
    if (["completed", "cancelled", "failed", "archived"].includes(row.status))
      throw conflict(`The options of a ${row.status} campaign cannot change`);
    if (options.ignoreFrequencyCaps && !row.options.ignoreFrequencyCaps && !can(ctx, { scope: "admin", role: "admin" }))
      throw forbidden("Only an admin may send a campaign outside the frequency caps");
    if (row.channel !== "email" && (options.webVersionLink || options.attachmentDelivery === "link"))
      throw invalid(
        "A web version and file links are for email campaigns",
        options.webVersionLink ? "options.webVersionLink" : "options.attachmentDelivery",
      );
    const next = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    const [updated] = await tx
      .update(campaigns)
      .set({ options: next, updatedAt: ctx.now() })
      .where(eq(campaigns.id, row.id))
      .returning();
    await writeAudit(tx, ctx, {
      action: "campaign.options_updated",
      targetType: "campaign",
      targetId: row.id,
      before: row.options as Record<string, unknown>,
      after: next,
    });
    return toCampaign(updated!, await topicKeyOf(tx, updated!));
  });
}
