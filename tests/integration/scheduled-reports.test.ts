import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, messages, notifications, scheduledReports } from "@/db/schema";
import type { ServiceContext } from "@/server/services/context";
import {
  createScheduledReport,
  deleteScheduledReport,
  listScheduledReports,
  previewReportSchedule,
  sendDueReports,
  updateScheduledReport,
} from "@/server/services/reports";
import { createMember, createWorkspace, memberContext } from "@/tests/factories";
import { NO_QUIET_HOURS, startSendHarness, type SendHarness } from "./send-harness";

/**
 * Scheduled reports on a real database with a fixed clock: the checks on create, then the
 * due-report job at the due time (one email per recipient carrying the PDF, through the outbox to
 * the provider stub), a second run at the same time (nothing more), the next send across the
 * Paris DST change, and the creator's `report_sent` notification.
 */

const WEEKLY = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0";
const ZONE = "Europe/Paris";
/** Friday 20 March 2026, 11:00 in Paris (CET, UTC+1); DST starts Sunday 29 March. */
const CREATED = new Date("2026-03-20T10:00:00Z");
/** Monday 23 March 08:00 CET, written out. */
const FIRST = new Date("2026-03-23T07:00:00Z");
/** Monday 30 March 08:00 CEST (UTC+2), written out. */
const SECOND = new Date("2026-03-30T06:00:00Z");

let h: SendHarness;
let workspaceId: string;
let marketer: { id: string; email: string };
let viewer: { id: string; email: string };
let outsider: string;
const at = (now: Date): ServiceContext => memberContext(h.handle.db, workspaceId, marketer.id, "marketer", () => now);

function resendEmails(): {
  to: string[];
  subject: string;
  attachments?: { filename: string; content: string; content_type: string }[];
}[] {
  return h.resend.sent
    .flatMap((call) => (Array.isArray(call.body) ? call.body : [call.body]))
    .map((email: any) => ({
      to: [email.to].flat(),
      subject: email.subject,
      attachments: email.attachments,
    }));
}

beforeAll(async () => {
  h = await startSendHarness();
  const ws = await createWorkspace(h.handle.db, { name: "Acme Gardens", settings: { ...NO_QUIET_HOURS } });
  workspaceId = ws.id;
  const m = await createMember(h.handle.db, ws.id, "marketer");
  marketer = { id: m.user.id, email: m.user.email };
  const v = await createMember(h.handle.db, ws.id, "viewer");
  viewer = { id: v.user.id, email: v.user.email };
  const other = await createWorkspace(h.handle.db);
  outsider = (await createMember(h.handle.db, other.id, "admin")).user.id;
});

afterAll(async () => {
  await h.close();
});

describe("creating a scheduled report", () => {
  const base = () => ({
    name: "Weekly numbers",
    kind: "dashboard" as const,
    rrule: WEEKLY,
    timezone: ZONE,
    recipientUserIds: [marketer.id, viewer.id],
  });

  it("refuses a bad rule, zone, recipient or campaign naming the field, and stores nothing", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ rrule: "FREQ=SOMETIMES" }, "rrule"],
      [{ rrule: "FREQ=HOURLY" }, "rrule"],
      [{ timezone: "Mars/Olympus" }, "timezone"],
      [{ recipientUserIds: [outsider] }, "recipientUserIds"],
      [{ recipientUserIds: [] }, "recipientUserIds"],
      [{ kind: "campaign" }, "campaignId"],
      [{ filters: { range: "last_7_days", topic: "nope", channel: null } }, "filters.topic"],
    ];
    for (const [patch, field] of cases)
      await expect(createScheduledReport({ ctx: at(CREATED), input: { ...base(), ...patch } })).rejects.toMatchObject({
        code: "INVALID",
        field,
      });
    expect(await listScheduledReports({ ctx: at(CREATED) })).toEqual([]);
  });

  it("previews the next three sends in the zone, across the DST change", async () => {
    const { occurrences } = await previewReportSchedule({ ctx: at(CREATED), input: { rrule: WEEKLY, timezone: ZONE } });
    expect(occurrences).toEqual([FIRST, SECOND, new Date("2026-04-06T06:00:00Z")]);
  });
});

describe("the due-report job", () => {
  let scheduleId: string;

  beforeAll(async () => {
    const created = await createScheduledReport({
      ctx: at(CREATED),
      input: {
        name: "Weekly numbers",
        kind: "dashboard",
        filters: { range: "last_7_days", topic: null, channel: "email" },
        rrule: WEEKLY,
        timezone: ZONE,
        recipientUserIds: [marketer.id, viewer.id],
      },
    });
    scheduleId = created.id;
    expect(created.nextRunAt).toEqual(FIRST);
    const [audit] = await h.handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, scheduleId), eq(auditLog.action, "scheduled_report.created")));
    expect(audit).toBeDefined();
  });

  it("sends nothing before the due time", async () => {
    const result = await sendDueReports({
      ctx: { db: h.handle.db, now: () => new Date(FIRST.getTime() - 60_000), outbox: h.outbox },
    });
    expect(result).toEqual({ claimed: 0, emails: 0, failed: 0 });
  });

  it("at the due time emails one PDF per recipient, moves to the next Monday 08:00 across DST, and notifies the creator", async () => {
    const before = resendEmails().length;
    const due = new Date(FIRST.getTime() + 5 * 60_000);
    const result = await sendDueReports({ ctx: { db: h.handle.db, now: () => due, outbox: h.outbox } });
    await h.settle();
    expect(result).toEqual({ claimed: 1, emails: 2, failed: 0 });
    const sent = resendEmails().slice(before);
    expect(sent.map((e) => e.to[0]).sort()).toEqual([marketer.email, viewer.email].sort());
    for (const email of sent) {
      expect(email.subject).toBe("Weekly numbers · Acme Gardens");
      expect(email.attachments).toHaveLength(1);
      const [file] = email.attachments!;
      expect(file!.content_type).toBe("application/pdf");
      expect(file!.filename).toBe("analytics-acme-gardens-2026-03-16-to-2026-03-22.pdf");
      expect(Buffer.from(file!.content, "base64").subarray(0, 5).toString("latin1")).toBe("%PDF-");
    }
    const [row] = await h.handle.db.select().from(scheduledReports).where(eq(scheduledReports.id, scheduleId));
    expect(row!.nextRunAt).toEqual(SECOND);
    expect(row!.lastSentAt).toEqual(due);
    const notes = await h.handle.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.workspaceId, workspaceId), eq(notifications.kind, "report_sent")));
    expect(notes.map((n) => n.userId)).toEqual([marketer.id]);
    expect(notes[0]!.title).toBe("Report sent: Weekly numbers");
  });

  it("a second run at the same time sends nothing more; a retry of the occurrence records no second email", async () => {
    const before = resendEmails().length;
    const due = new Date(FIRST.getTime() + 5 * 60_000);
    expect(await sendDueReports({ ctx: { db: h.handle.db, now: () => due, outbox: h.outbox } })).toEqual({
      claimed: 0,
      emails: 0,
      failed: 0,
    });
    // Put the schedule back on the same occurrence (as a run that died before its commit would leave it).
    await h.handle.db.update(scheduledReports).set({ nextRunAt: FIRST }).where(eq(scheduledReports.id, scheduleId));
    const retry = await sendDueReports({ ctx: { db: h.handle.db, now: () => due, outbox: h.outbox } });
    await h.settle();
    expect(retry).toEqual({ claimed: 1, emails: 0, failed: 0 });
    expect(resendEmails().length).toBe(before);
    const rows = await h.handle.db
      .select({ id: messages.id })
      .from(messages)
      .where(eq(messages.workspaceId, workspaceId));
    expect(rows).toHaveLength(2);
  });

  it("pausing clears the next send; enabling again sets it from now; delete is audited", async () => {
    const paused = await updateScheduledReport({ ctx: at(SECOND), input: { id: scheduleId, enabled: false } });
    expect(paused.nextRunAt).toBeNull();
    const later = new Date("2026-04-01T12:00:00Z");
    const resumed = await updateScheduledReport({ ctx: at(later), input: { id: scheduleId, enabled: true } });
    expect(resumed.nextRunAt).toEqual(new Date("2026-04-06T06:00:00Z"));
    await expect(
      updateScheduledReport({ ctx: at(later), input: { id: scheduleId, recipientUserIds: [outsider] } }),
    ).rejects.toMatchObject({ code: "INVALID", field: "recipientUserIds" });
    await deleteScheduledReport({ ctx: at(later), input: { id: scheduleId } });
    expect(await listScheduledReports({ ctx: at(later) })).toEqual([]);
    const actions = (
      await h.handle.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, scheduleId))
    ).map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(["scheduled_report.created", "scheduled_report.updated", "scheduled_report.deleted"]),
    );
  });
});
