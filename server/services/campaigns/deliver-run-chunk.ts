import { and, asc, eq, sql } from "drizzle-orm";
import {
  campaignRecipients,
  campaignRuns,
  campaigns,
  messages,
  topics,
  type CampaignRow,
  type CampaignRunStatus,
} from "@/db/schema";
import { resultRows } from "@/db/map-rows";
import { lockClass } from "@/server/lib/advisory-locks";
import { pgTextArray } from "@/server/lib/pg-array";
import { FAILED_STATUSES, IN_FLIGHT_STATUSES } from "@/server/shared/enums";
import { utmParameters } from "@/server/shared/utm";
import { htmlToText } from "../templates/layout";
import { inTransaction, type JobContext, type Outbox, type ServiceContext } from "../context";
import { dispatchMessages } from "../messages/dispatch-messages";
import { getProviderCircuits } from "../messages/get-provider-circuits";
import { recordSends } from "../messages/record-sends";
import type { SendRequest } from "../messages/pipeline-types";
import { freezeRun, RUN_LOCK, type RunStep } from "./freeze-run";
import { addCampaignEvent, CANCELLED_REASON, moveRun, runById, statusesSql, workspaceSettingsOf } from "./runs";
import { campaignSendExtras } from "./attachment-rows";
import { notifyRunProviderPaused } from "./notify-run";
import { seedRun } from "./seed-run";
import { errorPolicyTrips, insideSendingWindow, nextWindowOpening } from "./schedule-rules";

/** Recipients recorded per chunk: one `recordSends` call (one transaction) each. */
export const CHUNK_SIZE = 1000;

/** A job's context that may hand messages to the providers. */
export type SendingJobContext = JobContext & { outbox: Outbox };

/** The message idempotency key of a run's recipient: exactly one message per run × recipient. */
export function runMessageKey(runId: string, contactId: string): string {
  return `campaign-run:${runId}:${contactId}`;
}

/**
 * Sends the next chunk of a run through the one send pipeline, then starts its delivery:
 *
 * 1. Re-reads the run: anything but `sending` (paused, cancelled…) stops here, so pause and
 *    cancel take effect within one chunk. Outside the campaign's sending window it waits for the
 *    next opening; with pacing ("spread over N hours") it waits until the run is behind its pace.
 *    When the sender has sending limits, the run's messages they handed back go to delivery again
 *    as they come due, and it waits while two chunks' worth are on their way (`driveSenderBacklog`).
 * 2. Under the run's lock, takes up to CHUNK_SIZE `pending` recipients that are due (local-time
 *    runs: their `send_at` has come) and records one send each with `recordSends`: the policy
 *    decides again for each (an opt-out committed since the freeze blocks it; frequency caps are
 *    checked under the contact's lock, so two campaigns cannot both pass one cap), renders,
 *    records. The idempotency key `campaign-run:<run>:<contact>` makes a retried or concurrent
 *    chunk answer the messages recorded the first time: never two messages for one recipient.
 *    The recipients become `handed` with their message id in the same transaction (`skipped`
 *    with the reason when the pipeline refused the send, e.g. a template that does not render).
 * 3. After commit, hands the queued messages to the outbox (the sender's limits apply there).
 * 4. Applies the error policy: too many final errors → the run pauses (`errors`).
 *
 * With no due recipient left: waits for the next `send_at` (local time), or, when none is
 * pending, completes the run once no message of it is in flight (else the scheduler completes it);
 * under sending limits it keeps driving its messages until none is on its way.
 */
export async function deliverRunChunk({
  ctx,
  input,
}: {
  ctx: SendingJobContext;
  input: { runId: string; limit?: number };
}): Promise<RunStep & { handed?: number }> {
  const limit = input.limit ?? CHUNK_SIZE;
  const now = ctx.now();
  const run = await runById(ctx.db, input.runId);
  if (!run) return { state: "done", status: "failed" };
  if (run.status !== "sending") return { state: "done", status: run.status };
  const [campaign] = await ctx.db.select().from(campaigns).where(eq(campaigns.id, run.campaignId));
  if (!campaign) return { state: "done", status: "failed" };
  const { messaging, raw: settings } = await workspaceSettingsOf(ctx.db, run.workspaceId);

  const window = campaign.options.sendingWindow;
  if (window && !insideSendingWindow(window, now, messaging.timezone)) {
    const opening = nextWindowOpening(window, now, messaging.timezone);
    if (opening) return { state: "wait", until: opening.toISOString() };
  }
  // The provider keeps failing (its circuit is open): the run waits, nothing is dropped.
  const provider = ctx.outbox.transports[campaign.channel].name;
  const circuit = (await getProviderCircuits({ ctx })).find((c) => c.provider === provider);
  if (circuit?.state === "open" && circuit.openUntil) {
    await addCampaignEvent(ctx.db, {
      workspaceId: run.workspaceId,
      campaignId: run.campaignId,
      runId: run.id,
      type: "provider_paused",
      detail: { provider, until: circuit.openUntil.toISOString(), failures: circuit.failures },
      at: now,
    });
    await notifyRunProviderPaused(ctx.db, { run, provider, until: circuit.openUntil, at: now });
    return { state: "wait", until: circuit.openUntil.toISOString() };
  }
  const pace = await paceWait(ctx, run.id, campaign.options.pacingHours ?? null, run.startedAt ?? now, now);
  if (pace) return { state: "wait", until: pace.toISOString() };
  // Under sending limits the sender, not the run, sets the pace: the job hands the run's messages
  // the limits gave back to delivery again as they come due, and records no new chunk while two
  // chunks' worth are still on their way.
  const backlog =
    messaging.sendingLimits[campaign.channel].length > 0
      ? await driveSenderBacklog(ctx, run.id, run.workspaceId, now)
      : null;
  if (backlog && backlog.inFlight >= 2 * limit) return { state: "wait", until: backlog.until.toISOString() };

  const [topic] = await ctx.db.select().from(topics).where(eq(topics.id, campaign.topicId));
  const service: ServiceContext = {
    db: ctx.db,
    workspaceId: run.workspaceId,
    actor: { type: "system", job: "campaign-run" },
    now: ctx.now,
    outbox: ctx.outbox,
  };
  // The workspace's seed addresses get the real message once per run, before its first chunk.
  const seeds = await seedRun({ ctx: service, input: { runId: run.id, campaign, settings } });
  if (seeds.length > 0) dispatchMessages({ ctx, input: { messages: seeds } });

  type Chunk =
    | { kind: "stopped"; status: CampaignRunStatus }
    | { kind: "empty" }
    | { kind: "handed"; handed: number; queued: { id: string; workspaceId: string }[] };
  const chunk = await inTransaction(ctx.db, async (tx): Promise<Chunk> => {
    await lockClass(tx, RUN_LOCK, run.id);
    const current = await runById(tx, run.id);
    if (current?.status !== "sending") {
      return { kind: "stopped", status: current ? current.status : "failed" };
    }
    const due = await tx
      .select({ contactId: campaignRecipients.contactId, variant: campaignRecipients.variant })
      .from(campaignRecipients)
      .where(
        and(
          eq(campaignRecipients.runId, run.id),
          eq(campaignRecipients.status, "pending"),
          sql`(${campaignRecipients.sendAt} is null or ${campaignRecipients.sendAt} <= ${now.toISOString()}::timestamptz)`,
        ),
      )
      .orderBy(sql`${campaignRecipients.sendAt} asc nulls first`, asc(campaignRecipients.contactId))
      .limit(limit);
    if (due.length === 0) return { kind: "empty" };

    const base: SendRequest["source"] = campaign.templateId
      ? { templateId: campaign.templateId }
      : { content: campaign.content! };
    const utm =
      campaign.channel === "email" && campaign.options.utm ? utmParameters(campaign.options.utm, campaign.name) : null;
    const extras = await campaignSendExtras(tx, campaign);
    const requests: SendRequest[] = due.map((r) => ({
      recipient: { contactId: r.contactId },
      channel: campaign.channel,
      topicKey: topic!.key,
      kind: campaign.kind,
      ...variantSend(campaign, base, r.variant),
      variables: {},
      idempotencyKey: runMessageKey(run.id, r.contactId),
      requestHash: null,
      fallback: false,
      deferOnQuietHours: true,
      campaignId: campaign.id,
      campaignRunId: run.id,
      ...(campaign.options.ignoreFrequencyCaps ? { ignoreFrequencyCaps: true } : {}),
      ...(utm ? { utm } : {}),
      ...extras,
    }));
    const outcomes = await recordSends({ ctx: { ...service, db: tx }, input: { requests } });
    const handed: { contactId: string; messageId: string }[] = [];
    const skipped: { contactId: string; reason: string }[] = [];
    const queued: { id: string; workspaceId: string }[] = [];
    let blocked = 0;
    outcomes.forEach((outcome, i) => {
      const contactId = due[i]!.contactId;
      if (outcome.ok) {
        handed.push({ contactId, messageId: outcome.send.messageId });
        if (outcome.send.status === "queued") queued.push({ id: outcome.send.messageId, workspaceId: run.workspaceId });
        if (outcome.send.status === "blocked") blocked++;
      } else skipped.push({ contactId, reason: outcome.error.code.toLowerCase() });
    });
    if (handed.length > 0)
      await tx.execute(sql`
        update ${campaignRecipients} r set status = 'handed', message_id = v.message_id, handed_at = ${now.toISOString()}::timestamptz
          from unnest(${pgTextArray(handed.map((h) => h.contactId))}::uuid[], ${pgTextArray(handed.map((h) => h.messageId))}::uuid[])
               as v(contact_id, message_id)
         where r.run_id = ${run.id}::uuid and r.contact_id = v.contact_id and r.status = 'pending'`);
    if (skipped.length > 0)
      await tx.execute(sql`
        update ${campaignRecipients} r set status = 'skipped', reason = v.reason
          from unnest(${pgTextArray(skipped.map((s) => s.contactId))}::uuid[], ${pgTextArray(skipped.map((s) => s.reason))}::text[])
               as v(contact_id, reason)
         where r.run_id = ${run.id}::uuid and r.contact_id = v.contact_id and r.status = 'pending'`);
    await addCampaignEvent(tx, {
      workspaceId: run.workspaceId,
      campaignId: run.campaignId,
      runId: run.id,
      type: "chunk",
      detail: { handed: handed.length, queued: queued.length, blocked, skipped: skipped.length },
      at: now,
    });
    // The run's heartbeat: the scheduler rescues a run whose job stopped making progress.
    await tx.update(campaignRuns).set({ updatedAt: now }).where(eq(campaignRuns.id, run.id));
    return { kind: "handed", handed: handed.length, queued };
  });

  if (chunk.kind === "stopped") return { state: "done", status: chunk.status };
  if (chunk.kind === "empty") {
    if (backlog && backlog.inFlight > 0) return { state: "wait", until: backlog.until.toISOString() };
    return finishOrWait(ctx, run.id, now);
  }

  dispatchMessages({ ctx, input: { messages: chunk.queued } });
  const paused = await applyErrorPolicy(ctx, run.id, campaign.options, now);
  if (paused) return { state: "done", status: "paused", handed: chunk.handed };
  return { state: "more", handed: chunk.handed };
}

/**
 * What an A/B test variant changes in a recipient's send: its subject and content over the
 * campaign's inline content, its sender name; the message records the variant. No variant (or
 * no A/B test): the campaign's own.
 */
export function variantSend(
  campaign: Pick<CampaignRow, "abTest" | "content" | "templateId">,
  base: SendRequest["source"],
  variant: string | null,
): Pick<SendRequest, "source" | "variant" | "senderName"> {
  const found = variant ? campaign.abTest?.variants.find((v) => v.key === variant) : undefined;
  if (!variant || !found) return { source: base };
  const source: SendRequest["source"] =
    !campaign.templateId && campaign.content && (found.subject !== undefined || found.content)
      ? {
          content: {
            ...campaign.content,
            ...(found.content?.html !== undefined
              ? {
                  html: found.content.html,
                  text: found.content.text ?? (htmlToText(found.content.html) || found.content.html),
                }
              : {}),
            ...(found.content?.text !== undefined ? { text: found.content.text } : {}),
            ...(found.content?.preheader !== undefined ? { preheader: found.content.preheader } : {}),
            ...(found.subject !== undefined ? { subject: found.subject } : {}),
          },
        }
      : base;
  return { source, variant, ...(found.senderName ? { senderName: found.senderName } : {}) };
}

/** How soon the job looks again while messages of its run are with delivery (which hands back what may not go yet within seconds). */
const BACKLOG_RECHECK_MS = 1000;

/**
 * A run whose sender has limits: its messages on their way (`queued` or `sending`), and among them
 * those waiting with a time (`queued` with `next_attempt_at`: handed back by the limits, or a retry
 * after a provider error). Those due now (up to CHUNK_SIZE, oldest first) are handed to the outbox
 * again, so a run going at its sender's limit keeps the sender busy instead of waiting for the
 * once-a-minute sweep between windows (the sweep still delivers whatever this misses; the claim
 * in `deliverMessages` lets one of them through). Answers the count on its way and when the job
 * should look again: in a second while some are with delivery (they may come back), else when the
 * next waiting one comes due.
 */
async function driveSenderBacklog(
  ctx: SendingJobContext,
  runId: string,
  workspaceId: string,
  now: Date,
): Promise<{ inFlight: number; until: Date }> {
  const at = now.toISOString();
  const [row] = resultRows<{ in_flight: number; delivering: number; next_ms: number | null; due: string[] | null }>(
    await ctx.db.execute(sql`
      select count(*)::int as in_flight,
             count(*) filter (where status = 'sending' or next_attempt_at is null)::int as delivering,
             (extract(epoch from min(next_attempt_at) filter (where status = 'queued' and next_attempt_at > ${at}::timestamptz)) * 1000)::float8 as next_ms,
             (array_agg(id::text order by next_attempt_at, id)
                filter (where status = 'queued' and next_attempt_at <= ${at}::timestamptz))[1:${sql.raw(String(CHUNK_SIZE))}] as due
        from ${messages}
       where campaign_run_id = ${runId}::uuid and status in ('queued', 'sending')`),
  );
  const due = row?.due ?? [];
  if (due.length > 0) dispatchMessages({ ctx, input: { messages: due.map((id) => ({ id, workspaceId })) } });
  const recheck = now.getTime() + BACKLOG_RECHECK_MS;
  const next = row?.next_ms == null ? recheck : Number(row.next_ms);
  const busy = due.length > 0 || Number(row?.delivering ?? 0) > 0;
  return { inFlight: Number(row?.in_flight ?? 0), until: new Date(busy ? Math.min(next, recheck) : next) };
}

/** No due recipient: wait for the next local send time, or complete the run when nothing of it is in flight. */
async function finishOrWait(ctx: SendingJobContext, runId: string, now: Date): Promise<RunStep> {
  const [next] = resultRows<{ next: string | null; pending: number }>(
    await ctx.db.execute(sql`
      select min(send_at)::text as next, count(*)::int as pending
        from ${campaignRecipients} where run_id = ${runId}::uuid and status = 'pending'`),
  );
  if (next && Number(next.pending) > 0) {
    if (next.next) return { state: "wait", until: new Date(next.next).toISOString() };
    return { state: "more" };
  }
  const completed = await completeRunIfSettled(ctx, runId, now);
  return { state: "done", status: completed ? "completed" : "sending" };
}

/**
 * Completes a `sending` run with no pending recipient and no message in flight (queued,
 * deferred, sending): every recipient is then sent, blocked, skipped, cancelled or failed.
 * Returns whether it completed it.
 */
export async function completeRunIfSettled(ctx: JobContext, runId: string, now: Date): Promise<boolean> {
  const inFlight = statusesSql(IN_FLIGHT_STATUSES);
  const [open] = resultRows<{ pending: boolean; in_flight: boolean }>(
    await ctx.db.execute(sql`
      select exists (select 1 from ${campaignRecipients} where run_id = ${runId}::uuid and status = 'pending') as pending,
             exists (select 1 from ${messages} where campaign_run_id = ${runId}::uuid and status::text in (${inFlight})) as in_flight`),
  );
  if (!open || open.pending || open.in_flight) return false;
  return inTransaction(ctx.db, async (tx) => {
    const run = await runById(tx, runId);
    if (!run) return false;
    const moved = await moveRun(tx, { run, from: ["sending"], to: "completed", at: now });
    if (!moved) return false;
    await addCampaignEvent(tx, {
      workspaceId: run.workspaceId,
      campaignId: run.campaignId,
      runId,
      type: "completed",
      at: now,
    });
    return true;
  });
}

/** With pacing: when the run is ahead of an even spread over `hours`, the time it falls back on pace. */
async function paceWait(
  ctx: SendingJobContext,
  runId: string,
  hours: number | null,
  startedAt: Date,
  now: Date,
): Promise<Date | null> {
  if (!hours) return null;
  const [row] = resultRows<{ total: number; handed: number }>(
    await ctx.db.execute(sql`
      select count(*) filter (where status <> 'blocked')::int as total,
             count(*) filter (where status in ('handed', 'skipped'))::int as handed
        from ${campaignRecipients} where run_id = ${runId}::uuid`),
  );
  const total = Number(row?.total ?? 0);
  const handed = Number(row?.handed ?? 0);
  if (total === 0) return null;
  const spanMs = hours * 60 * 60 * 1000;
  const dueBy = (count: number) => startedAt.getTime() + (count / total) * spanMs;
  // The next chunk may go once the pace has reached the recipients already handed.
  const next = dueBy(handed);
  return next > now.getTime() + 1000 ? new Date(next) : null;
}

/** Pauses the run (`errors`) when its final errors trip the campaign's error policy. */
async function applyErrorPolicy(
  ctx: SendingJobContext,
  runId: string,
  options: Parameters<typeof errorPolicyTrips>[0],
  now: Date,
): Promise<boolean> {
  if (options.errorPolicy === "skip") return false;
  const [row] = resultRows<{ failed: number; attempted: number }>(
    await ctx.db.execute(sql`
      select count(*) filter (where status::text in (${statusesSql(FAILED_STATUSES)}) and coalesce(reason, '') <> ${CANCELLED_REASON})::int as failed,
             count(*) filter (where status <> 'blocked')::int as attempted
        from ${messages} where campaign_run_id = ${runId}::uuid`),
  );
  if (!errorPolicyTrips(options, Number(row?.failed ?? 0), Number(row?.attempted ?? 0))) return false;
  return inTransaction(ctx.db, async (tx) => {
    const run = await runById(tx, runId);
    if (!run) return false;
    const moved = await moveRun(tx, { run, from: ["sending"], to: "paused", reason: "errors", at: now });
    if (!moved) return false;
    await addCampaignEvent(tx, {
      workspaceId: run.workspaceId,
      campaignId: run.campaignId,
      runId,
      type: "paused",
      detail: { reason: "errors", failed: Number(row?.failed ?? 0) },
      at: now,
    });
    return true;
  });
}

/**
 * One step of a run's job: the freeze while the run has not started (`freezeRun`), then a chunk
 * (`deliverRunChunk`). Both re-read the run, so a paused, cancelled or rescheduled run stops.
 */
export async function advanceRun({
  ctx,
  input,
}: {
  ctx: SendingJobContext;
  input: { runId: string; limit?: number };
}): Promise<RunStep & { handed?: number }> {
  const run = await runById(ctx.db, input.runId);
  if (!run) return { state: "done", status: "failed" };
  if (run.status === "scheduled" || run.status === "materialising") return freezeRun({ ctx, input });
  return deliverRunChunk({ ctx, input });
}

/**
 * A run whose job failed for good (its retries spent on an error that kept coming back): the run
 * ends `failed` with the error's name (no message text: it may carry data), recipients not yet
 * reached stay pending, so "send to the rest" can reach them once the cause is fixed.
 */
export async function failRun({ ctx, input }: { ctx: JobContext; input: { runId: string; error: string } }) {
  const now = ctx.now();
  return inTransaction(ctx.db, async (tx) => {
    const run = await runById(tx, input.runId);
    if (!run) return { failed: false };
    const moved = await moveRun(tx, {
      run,
      from: ["scheduled", "materialising", "sending"],
      to: "failed",
      reason: "error",
      at: now,
    });
    if (moved)
      await addCampaignEvent(tx, {
        workspaceId: run.workspaceId,
        campaignId: run.campaignId,
        runId: run.id,
        type: "failed",
        detail: { error: input.error.slice(0, 100) },
        at: now,
      });
    return { failed: Boolean(moved) };
  });
}
