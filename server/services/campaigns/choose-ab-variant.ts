import { eq } from "drizzle-orm";
import { campaignRuns, campaigns } from "@/db/schema";
import { conflict, invalid } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { remainderSchedule } from "./ab-send-time";
import { startAbRemainder } from "./decide-ab-tests";
import { abTestResultsOf, abTestRuns } from "./get-ab-test-results";
import { findCampaign } from "./rows";
import { workspaceSettingsOf } from "./runs";
import { ZChooseVariantInput, type TAbTestResults, type TChooseVariantInput } from "./schemas";

/**
 * A member's choice of the variant the rest of the audience gets (`overridden`), before the
 * automatic decision or after it while the remainder run has not frozen its audience: before,
 * it starts the remainder run; after, it changes the variant that run will send (and, in a send-time test, its timing). Choosing the
 * variant already chosen changes nothing. 409 before the test run started, once the remainder
 * started sending, or after the test run was cancelled; 400 for a variant the test does not have.
 * Audited. Answers the results and the remainder run to start (`runIds`: empty when none new).
 */
export async function chooseAbVariant({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TChooseVariantInput;
}): Promise<{ results: TAbTestResults; runIds: string[] }> {
  const { id, variant } = ZChooseVariantInput.parse(input);
  return inTransaction(ctx.db, async (tx) => {
    const row = await findCampaign(tx, ctx.workspaceId, id, { lock: true });
    const test = row.abTest;
    if (!test) throw conflict("This campaign has no A/B test");
    if (row.status === "cancelled" || row.status === "archived")
      throw conflict(`The A/B test of a ${row.status} campaign is over`);
    if (!test.variants.some((v) => v.key === variant)) throw invalid(`This test has no variant ${variant}`, "variant");
    const { test: testRun, remainder } = await abTestRuns(tx, row.id);
    if (!testRun?.frozenAt || testRun.status === "failed")
      throw conflict("The test group has not been sent yet: choose a variant once the test run has started");
    if (remainder) {
      if (test.winner === variant) return { results: await abTestResultsOf(tx, row), runIds: [] };
      if (remainder.frozenAt || remainder.status !== "scheduled")
        throw conflict("The rest of the audience is already being sent the chosen variant");
      const now = ctx.now();
      await tx
        .update(campaigns)
        .set({
          abTest: { ...test, status: "overridden", winner: variant, decidedAt: now.toISOString(), pValue: null },
          updatedAt: now,
        })
        .where(eq(campaigns.id, row.id));
      // A send-time test's remainder takes the chosen variant's timing too.
      const { messaging } = await workspaceSettingsOf(tx, row.workspaceId);
      await tx
        .update(campaignRuns)
        .set({ schedule: remainderSchedule(test, variant, now, messaging.timezone), updatedAt: now })
        .where(eq(campaignRuns.id, remainder.id));
      await writeAudit(tx, ctx, {
        action: "campaign.ab_test_decided",
        targetType: "campaign",
        targetId: row.id,
        before: { status: test.status, winner: test.winner ?? null },
        after: { status: "overridden", winner: variant, runId: remainder.id },
      });
      const updated = await findCampaign(tx, ctx.workspaceId, row.id);
      return { results: await abTestResultsOf(tx, updated), runIds: [] };
    }
    const runId = await startAbRemainder(tx, ctx, {
      campaign: row,
      testRun,
      winner: variant,
      status: "overridden",
      pValue: null,
    });
    const updated = await findCampaign(tx, ctx.workspaceId, row.id);
    return { results: await abTestResultsOf(tx, updated), runIds: runId ? [runId] : [] };
  });
}
