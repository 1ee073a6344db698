import { eq } from "drizzle-orm";
import { campaigns } from "@/db/schema";
import { conflict } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { findCampaign, toCampaign, topicKeyOf } from "./rows";
import { ZArchiveCampaignInput, type TArchiveCampaignInput, type TCampaign } from "./schemas";

/** Statuses a campaign may be archived from: it is not about to send or sending. */
const ARCHIVABLE = new Set(["draft", "completed", "cancelled", "failed"]);

/**
 * Archives a campaign: kept with its messages, out of the default list. A campaign that is
 * scheduled, sending or paused → CONFLICT. Idempotent; audited when it changes.
 */
export async function archiveCampaign({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TArchiveCampaignInput;
}): Promise<TCampaign> {
  const { id } = ZArchiveCampaignInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const row = await findCampaign(tx, ctx.workspaceId, id, { lock: true });
    const topicKey = await topicKeyOf(tx, row);
    if (row.status === "archived") return toCampaign(row, topicKey);
    if (!ARCHIVABLE.has(row.status)) throw conflict(`A campaign that is ${row.status} cannot be archived`);
    const [updated] = await tx
      .update(campaigns)
      .set({ status: "archived", updatedAt: ctx.now() })
      .where(eq(campaigns.id, row.id))
      .returning();
    await writeAudit(tx, ctx, {
      action: "campaign.archived",
      targetType: "campaign",
      targetId: row.id,
      before: { status: row.status },
      after: { status: "archived" },
    });
    return toCampaign(updated!, topicKey);
  });
}
