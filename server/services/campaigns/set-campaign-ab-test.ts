import { eq } from "drizzle-orm";
import { campaigns, type CampaignAbTest } from "@/db/schema";
import { conflict, invalid } from "@/server/lib/errors";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, type ServiceContext } from "../context";
import { isSendTimeTest } from "./ab-send-time";
import { getAbTestResults } from "./get-ab-test-results";
import { findCampaign } from "./rows";
import { ZSetAbTestInput, type TAbTestResults, type TSetAbTestInput } from "./schemas";

/**
 * Sets up (or removes, `abTest: null`) a draft campaign's A/B test: 2–4 variants keyed A–D, each
 * changing the subject, the content (inline-content campaigns: a template campaign's variants may
 * change the sender name only) or the email sender name; or a send-time test: two variants with
 * the same message, one at a fixed time and one at each recipient's best hour (email and SMS;
 * SMS best hours stay outside quiet hours; 400 naming the field for content in such a test); the test share (5–50%), the metric
 * (email: opened or clicked; SMS: clicked or replied), the wait (1–72 h) and the default variant.
 * 409 unless a draft; 400 naming the field for a variant that does not fit the channel or the
 * campaign. Audited with before and after.
 */
export async function setCampaignAbTest({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TSetAbTestInput;
}): Promise<TAbTestResults> {
  const { id, abTest } = ZSetAbTestInput.parse(input);
  await inTransaction(ctx.db, async (tx) => {
    const row = await findCampaign(tx, ctx.workspaceId, id, { lock: true });
    if (row.status !== "draft") throw conflict(`The A/B test of a ${row.status} campaign cannot change`);
    let next: CampaignAbTest | null = null;
    if (abTest) {
      if (row.channel === "sms" && abTest.metric === "opened")
        throw invalid("SMS opens are not tracked: choose clicked or replied", "abTest.metric");
      if (row.channel === "email" && abTest.metric === "replied")
        throw invalid("Replies are measured for SMS: choose opened or clicked", "abTest.metric");
      abTest.variants.forEach((v, i) => {
        if (row.channel === "sms" && (v.subject !== undefined || v.senderName !== undefined))
          throw invalid("An SMS has no subject or sender name", `abTest.variants.${i}`);
        if (row.channel === "sms" && (v.content?.html !== undefined || v.content?.preheader !== undefined))
          throw invalid("An SMS is text only", `abTest.variants.${i}.content`);
        if (row.templateId && (v.subject !== undefined || v.content !== undefined))
          throw invalid(
            "A campaign sent with a template can vary its sender name only: write inline content to test subjects or content",
            `abTest.variants.${i}`,
          );
      });
      next = { ...abTest, status: "draft", winner: null, decidedAt: null, pValue: null };
    }
    await tx.update(campaigns).set({ abTest: next, updatedAt: ctx.now() }).where(eq(campaigns.id, row.id));
    await writeAudit(tx, ctx, {
      action: next ? "campaign.ab_test_set" : "campaign.ab_test_removed",
      targetType: "campaign",
      targetId: row.id,
      before: auditView(row.abTest),
      after: auditView(next),
    });
  });
  return getAbTestResults({ ctx, input: { id } });
}

/** The audit's view of a test: its settings without the variants' content (may be long). */
function auditView(test: CampaignAbTest | null): Record<string, unknown> | null {
  if (!test) return null;
  return {
    variants: test.variants.map((v) => v.key),
    share: test.share,
    metric: test.metric,
    waitHours: test.waitHours,
    defaultVariant: test.defaultVariant,
    ...(isSendTimeTest(test) ? { sendTime: test.variants.map((v) => v.sendTime ?? null) } : {}),
  };
}
