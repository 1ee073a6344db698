import { eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { memberships, reportFiles, scheduledReports, users, workspaces, type ScheduledReportRow } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { logger, serializeError } from "@/server/lib/logger";
import { escapeHtml } from "@/server/shared/html";
import type { JobContext, Outbox, ServiceContext } from "../context";
import { recordDirectMessages, type DirectMessage } from "../messages/record-direct-messages";
import { notify } from "../notifications/notify";
import { formatInstant } from "./pdf-layout";
import { renderCampaignReportPdf } from "./render-campaign-report-pdf";
import { renderDashboardPdf, type RenderedPdf } from "./render-dashboard-pdf";
import { reportRangeDays } from "./report-range";
import { upcomingSends } from "./schedule-rows";

/** Schedules claimed by one run of the job; the next run takes the rest. */
export const DUE_REPORTS_BATCH = 20;
const JOB = "send-scheduled-reports";

export interface SendDueReportsResult {
  /** Schedules whose occurrence was handled (sent, or skipped after an error). */
  claimed: number;
  /** Report emails recorded in the outbox by this run. */
  emails: number;
  /** Schedules whose PDF could not be rendered (logged; the occurrence is skipped). */
  failed: number;
}

async function renderFor(ctx: ServiceContext, row: ScheduledReportRow, at: Date, zone: string): Promise<RenderedPdf> {
  if (row.kind === "campaign") return renderCampaignReportPdf({ ctx, input: { id: row.campaignId ?? "" } });
  const days = reportRangeDays(row.filters.range, at, zone);
  return renderDashboardPdf({
    ctx,
    input: { ...days, topic: row.filters.topic ?? undefined, channel: row.filters.channel ?? undefined },
  });
}

/** One claimed schedule: render, store the PDF, record one email per recipient, notify the creator. */
async function sendOne(tx: Queryable, ctx: JobContext, row: ScheduledReportRow): Promise<string[]> {
  const occurrence = row.nextRunAt!;
  const occurrenceKey = occurrence.toISOString();
  const svc: ServiceContext = {
    db: tx,
    workspaceId: row.workspaceId,
    actor: { type: "system", job: JOB },
    now: ctx.now,
    requestId: ctx.requestId,
  };
  const [workspace] = await tx
    .select({ name: workspaces.name, settings: workspaces.settings })
    .from(workspaces)
    .where(eq(workspaces.id, row.workspaceId));
  const { pdf, filename } = await renderFor(svc, row, ctx.now(), row.timezone);
  await tx
    .insert(reportFiles)
    .values({
      workspaceId: row.workspaceId,
      scheduleId: row.id,
      occurrenceAt: occurrence,
      filename,
      contentType: "application/pdf",
      sizeBytes: pdf.length,
      bytes: pdf,
    })
    .onConflictDoNothing();
  const [file] = await tx
    .select({ id: reportFiles.id })
    .from(reportFiles)
    .where(
      sql`${reportFiles.scheduleId} = ${row.id}::uuid and ${reportFiles.occurrenceAt} = ${occurrenceKey}::timestamptz`,
    );
  // Recipients still members (and not disabled) when it is sent.
  const recipients = await tx
    .select({ userId: users.id, email: users.email, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      sql`${memberships.workspaceId} = ${row.workspaceId}::uuid and ${users.disabledAt} is null
          and ${memberships.userId}::text in (select jsonb_array_elements_text(${JSON.stringify(row.recipientUserIds)}::jsonb))`,
    );
  const env = getEnv();
  const workspaceName = workspace?.name ?? "your workspace";
  const when = formatInstant(occurrence, row.timezone);
  const subject = `${row.name} · ${workspaceName}`;
  const text = [
    `${row.name}`,
    "",
    `Your scheduled report from ${workspaceName} is attached as a PDF (${filename}).`,
    `Scheduled for ${when}.`,
    "",
    `Change or stop it: ${env.PUBLIC_URL}/reports`,
  ].join("\n");
  const html = [
    `<p><strong>${escapeHtml(row.name)}</strong></p>`,
    `<p>Your scheduled report from ${escapeHtml(workspaceName)} is attached as a PDF (${escapeHtml(filename)}).<br>Scheduled for ${escapeHtml(when)}.</p>`,
    `<p style="color:#666;font-size:12px"><a href="${escapeHtml(`${env.PUBLIC_URL}/reports`)}">Change or stop this report</a>.</p>`,
  ].join("");
  const messages: DirectMessage[] = recipients.map((r) => ({
    workspaceId: row.workspaceId,
    channel: "email",
    kind: "system",
    purpose: "notification",
    userId: r.userId,
    addressHash: null,
    address: r.email,
    fromAddress: env.EMAIL_FROM,
    content: { subject, text, html },
    checks: [
      "recipient: a workspace member chosen as a recipient of a scheduled report (system message to a member, not a contact): consent and the contact suppression list do not apply",
    ],
    options: { recipientRole: r.role, scheduledReportId: row.id, attachments: [file!.id] },
    idempotencyKey: `scheduled-report:${row.id}:${occurrenceKey}:${r.userId}`,
  }));
  const ids =
    messages.length === 0
      ? []
      : await recordDirectMessages({
          ctx: { db: tx, now: ctx.now, requestId: ctx.requestId },
          input: { messages, delivery: "outbox" },
        });
  if (row.createdByUserId)
    await notify({
      ctx: { db: tx, now: ctx.now, requestId: ctx.requestId },
      input: {
        workspaceId: row.workspaceId,
        kind: "report_sent",
        title: `Report sent: ${row.name}`,
        body: `Emailed as a PDF to ${recipients.length} member${recipients.length === 1 ? "" : "s"}.`,
        link: "/reports",
        data: { scheduledReportId: row.id, occurrence: occurrenceKey, recipients: recipients.length },
        dedupeKey: `scheduled-report:${row.id}:${occurrenceKey}`,
        userIds: [row.createdByUserId],
      },
    });
  return ids;
}

/**
 * The due-report job's verb: claims the schedules whose next send has come (one statement,
 * `FOR UPDATE SKIP LOCKED`, so runs side by side never take the same one), and for each renders
 * its PDF, stores it once per occurrence, records one email per recipient carrying it (keyed by
 * schedule, occurrence and member: a retried occurrence records nothing twice), notifies the
 * creator (`report_sent`), records `last_sent_at` and moves `next_run_at` to the rule's next
 * occurrence after now (null when the rule has ended). A report that fails to render is logged
 * and its occurrence skipped. Emails are handed to the outbox after the commit.
 */
export async function sendDueReports({
  ctx,
}: {
  ctx: JobContext & { outbox?: Outbox };
}): Promise<SendDueReportsResult> {
  const now = ctx.now();
  const result: SendDueReportsResult = { claimed: 0, emails: 0, failed: 0 };
  const queued: { id: string; workspaceId: string }[] = [];
  await ctx.db.transaction(async (tx) => {
    const claimed = await tx
      .select()
      .from(scheduledReports)
      .where(
        sql`${scheduledReports.enabled} and ${scheduledReports.nextRunAt} is not null and ${scheduledReports.nextRunAt} <= ${now.toISOString()}::timestamptz`,
      )
      .orderBy(scheduledReports.nextRunAt)
      .limit(DUE_REPORTS_BATCH)
      .for("update", { skipLocked: true });
    for (const row of claimed) {
      result.claimed += 1;
      let sent = false;
      try {
        // A savepoint per schedule: one that fails leaves the others' sends in place.
        const ids = await tx.transaction((sp) => sendOne(sp, ctx, row));
        for (const id of ids) queued.push({ id, workspaceId: row.workspaceId });
        result.emails += ids.length;
        sent = true;
      } catch (error) {
        result.failed += 1;
        logger.warn({ scheduledReportId: row.id, err: serializeError(error) }, "scheduled report not sent");
      }
      const [next] = upcomingSends(row, row.anchorAt, now, 1);
      await tx
        .update(scheduledReports)
        .set({ nextRunAt: next ?? null, ...(sent ? { lastSentAt: now } : {}) })
        .where(eq(scheduledReports.id, row.id));
    }
  });
  if (ctx.outbox && queued.length > 0) ctx.outbox.dispatch({ db: ctx.db, now: ctx.now }, queued);
  return result;
}
