import { and, eq, inArray } from "drizzle-orm";
import { campaignEvents, suppressions, type CampaignRow } from "@/db/schema";
import { emailLookupKey } from "@/server/lib/addresses";
import { lockClass } from "@/server/lib/advisory-locks";
import { blindIndex } from "@/server/lib/crypto";
import { getEnv } from "@/server/lib/env";
import { readSeedList, seedChannelOf } from "@/server/shared/seed-list";
import { utmParameters } from "@/server/shared/utm";
import { inTransaction, type ServiceContext } from "../context";
import { getSendContext } from "../messages/send-context";
import { recordDirectMessages } from "../messages/record-direct-messages";
import { renderPreview } from "../templates/render-preview";
import { workspaceFrom } from "../workspaces/sender";
import { RUN_LOCK } from "./freeze-run";
import { campaignSendExtras, directCampaignCopy } from "./attachment-rows";
import { addCampaignEvent, runById } from "./runs";
import { draftOf } from "./sample-render";

/** The campaign timeline event that says a run's seed copies were recorded. */
export const SEEDED_EVENT = "seeded";

/** The message idempotency key of a run's copy to one seed address: one copy per run and address. */
export function seedMessageKey(runId: string, addressHash: string): string {
  return `campaign-seed:${runId}:${addressHash}`;
}

/**
 * Sends the run's message to the workspace's seed list (Settings → General), once per run, when
 * the run starts sending (`deliverRunChunk`, before its first chunk): the addresses of the
 * campaign's channel get the real message (rendered like a test send, for the sample contact,
 * with the campaign's preheader and UTM parameters) as direct messages: no consent decision (the
 * workspace's own inboxes), the suppression list still applies (a suppressed seed gets nothing).
 * Each copy carries the campaign id and `options.seed = true` but no run id, so it counts in no
 * run's progress, errors or completion.
 *
 * Under the run's lock, in one transaction with the timeline event `seeded` (counts only): a
 * retried or concurrent chunk finds the event and records nothing; should the event be missing,
 * the key `campaign-seed:<run>:<address hash>` still records one copy per address and run.
 * Returns the queued messages, for the caller to dispatch after commit.
 */
export async function seedRun({
  ctx,
  input: { runId, campaign, settings },
}: {
  ctx: ServiceContext;
  /** `settings`: the workspace's settings as the chunk read them (the seed list is in them). */
  input: { runId: string; campaign: CampaignRow; settings: Record<string, unknown> };
}): Promise<{ id: string; workspaceId: string }[]> {
  const seeds = readSeedList(settings).filter((address) => seedChannelOf(address) === campaign.channel);
  if (seeds.length === 0) return [];

  return inTransaction(ctx.db, async (tx) => {
    await lockClass(tx, RUN_LOCK, runId);
    const run = await runById(tx, runId);
    if (run?.status !== "sending") return [];
    const [done] = await tx
      .select({ id: campaignEvents.id })
      .from(campaignEvents)
      .where(and(eq(campaignEvents.runId, runId), eq(campaignEvents.type, SEEDED_EVENT)))
      .limit(1);
    if (done) return [];

    const seeded = async (detail: Record<string, unknown>) =>
      addCampaignEvent(tx, {
        workspaceId: campaign.workspaceId,
        campaignId: campaign.id,
        runId,
        type: SEEDED_EVENT,
        detail: { seeds: seeds.length, ...detail },
        at: ctx.now(),
      });
    const draft = await draftOf(tx, campaign);
    if (!draft) {
      await seeded({ queued: 0, skipped: "no_content" });
      return [];
    }
    const utm =
      campaign.channel === "email" && campaign.options.utm ? utmParameters(campaign.options.utm, campaign.name) : null;
    const preview = await renderPreview({
      ctx: { ...ctx, db: tx },
      input: {
        channel: campaign.channel,
        category: draft.category,
        kind: campaign.kind,
        defaultLocale: draft.defaultLocale,
        variants: draft.variants,
        variables: draft.variables,
        ...(draft.preheader ? { preheader: draft.preheader } : {}),
        ...(utm ? { utm } : {}),
      },
    });
    if (!preview.text || preview.problems.some((p) => p.severity === "error" && p.code === "render_failed")) {
      await seeded({ queued: 0, skipped: "render_failed" });
      return [];
    }

    const kind = campaign.channel === "email" ? "email" : "phone";
    const hashed = seeds.map((address) => ({
      address,
      hash: blindIndex(campaign.workspaceId, kind, kind === "email" ? emailLookupKey(address) : address),
    }));
    const suppressed = new Set(
      (
        await tx
          .select({ hash: suppressions.addressHash })
          .from(suppressions)
          .where(
            and(
              eq(suppressions.workspaceId, campaign.workspaceId),
              eq(suppressions.channel, campaign.channel),
              inArray(
                suppressions.addressHash,
                hashed.map((h) => h.hash),
              ),
            ),
          )
      ).map((row) => row.hash),
    );
    const send = await getSendContext(tx, campaign.workspaceId);
    const env = getEnv();
    const fromAddress =
      campaign.channel === "email"
        ? workspaceFrom(send.profile, { emailFrom: env.EMAIL_FROM })
        : (send.smsNumber ?? env.TWILIO_FROM ?? null);
    const extras = await campaignSendExtras(tx, campaign);
    const ids = await recordDirectMessages({
      ctx: { db: tx, now: ctx.now },
      input: {
        delivery: "outbox",
        messages: hashed
          .filter(({ hash }) => !suppressed.has(hash))
          .map(({ address, hash }) => {
            const copy = directCampaignCopy(
              campaign.workspaceId,
              { subject: preview.subject, text: preview.text!, html: preview.html },
              extras,
            );
            return {
              id: copy.id,
              workspaceId: campaign.workspaceId,
              channel: campaign.channel,
              kind: campaign.kind,
              addressHash: hash,
              address,
              fromAddress,
              content: copy.content,
              campaignId: campaign.id,
              idempotencyKey: seedMessageKey(runId, hash),
              checks: [
                "recipient: a seed address of the workspace (campaign seed list): consent not required",
                "suppression: none",
              ],
              options: { ...copy.options, seed: true },
            };
          }),
      },
    });
    await seeded({ queued: ids.length, suppressed: suppressed.size });
    return ids.map((id) => ({ id, workspaceId: campaign.workspaceId }));
  });
}
