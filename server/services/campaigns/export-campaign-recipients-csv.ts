import { z } from "zod";
import { invalid, notFound } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import type { ServiceContext } from "../context";
import { csvLine } from "../imports/csv-values";
import { listCampaignRecipients } from "./list-campaign-recipients";
import { findCampaign } from "./rows";
import { findRun } from "./runs";
import { RECIPIENT_OUTCOMES } from "./schemas";
import { BLOCK_REASONS } from "@/server/shared/enums";

/** Recipients read per page (the list's largest page). */
const PAGE = 200;

export const RECIPIENT_CSV_COLUMNS = [
  "contact_id",
  "name",
  "address",
  "outcome",
  "reason",
  "send_at",
  "zone",
  "message_id",
];

const ZExportRecipientsInput = z.object({
  id: z.uuid(),
  runId: z.uuid("Give the id of one of the campaign's runs").optional(),
  outcome: z.enum(RECIPIENT_OUTCOMES, `Outcome is one of ${RECIPIENT_OUTCOMES.join(", ")}`).optional(),
  reason: z.enum(BLOCK_REASONS, `Reason is one of ${BLOCK_REASONS.join(", ")}`).optional(),
});

/**
 * A run's recipients (default: the latest run), optionally of one outcome and one block reason
 * (`frequency_cap`: the cap-skipped), as CSV lines, read
 * page by page through `listCampaignRecipients`: the same rows as the progress tab, so names and
 * addresses are masked exactly as they are there (viewers, keys without `contacts:read`). Every
 * cell goes through `escapeFormula`. The campaign and the run are checked before the first line
 * (NOT_FOUND, INVALID), so a refusal is a status, not a broken download. Audited once when the
 * stream ends, completed or abandoned, as `campaign.recipients_exported` with the row count (no
 * personal data).
 */
export async function exportCampaignRecipientsCsv({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string; runId?: string; outcome?: string; reason?: string };
}): Promise<AsyncIterable<string>> {
  const parsed = ZExportRecipientsInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(issue.message, issue.path.join("."));
  }
  const { id, outcome, reason } = parsed.data;
  const campaign = await findCampaign(ctx.db, ctx.workspaceId, id);
  if (parsed.data.runId) {
    const run = await findRun(ctx.db, ctx.workspaceId, parsed.data.runId);
    if (run.campaignId !== campaign.id) throw notFound("Run");
  }

  return (async function* () {
    // Pinned after the first page: a run created meanwhile does not change the list half-way.
    let runId = parsed.data.runId;
    let rows = 0;
    let completed = false;
    try {
      yield csvLine(RECIPIENT_CSV_COLUMNS);
      let cursor: string | undefined;
      for (;;) {
        const page = await listCampaignRecipients({ ctx, input: { id, runId, outcome, reason, cursor, limit: PAGE } });
        if (!page.runId) break;
        runId = page.runId;
        let chunk = "";
        for (const r of page.items) {
          chunk += csvLine([
            r.contactId,
            r.name,
            r.address,
            r.outcome,
            r.reason,
            r.sendAt?.toISOString(),
            r.zone,
            r.messageId,
          ]);
        }
        rows += page.items.length;
        if (chunk) yield chunk;
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      completed = true;
    } finally {
      await writeAudit(ctx.db, ctx, {
        action: "campaign.recipients_exported",
        targetType: "campaign",
        targetId: campaign.id,
        after: { runId: runId ?? null, outcome: outcome ?? null, ...(reason ? { reason } : {}), rows, completed },
      });
    }
  })();
}
