import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, campaigns, imports, messages, notifications, providerCircuits, users } from "@/db/schema";
import { fixedClock, type Clock } from "@/server/lib/clock";
import {
  advanceRun,
  createCampaign,
  failRun,
  pauseCampaign,
  resumeCampaign,
  scheduleCampaign,
  type RunStep,
} from "@/server/services/campaigns";
import { moveRun, runById } from "@/server/services/campaigns/runs";
import type { ServiceContext } from "@/server/services/context";
import { createImport } from "@/server/services/imports/create-import";
import { recoverInterruptedImports } from "@/server/services/imports/recover-interrupted-imports";
import { runImport } from "@/server/services/imports/run-import";
import {
  countUnreadNotifications,
  getNotificationPreferences,
  listNotifications,
  markAllNotificationsRead,
  markNotificationsRead,
  notify,
  notifyWebhookFailures,
  updateNotificationPreferences,
} from "@/server/services/notifications";
import { ensureDefaultTopics } from "@/server/services/topics";
import { WEBHOOK_FAILURE_THRESHOLD } from "@/server/shared/notifications";
import { createApiKeyFor, createMember, createWorkspace } from "@/tests/factories";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * In-app notifications on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): the
 * fan-out by preference, dedupe, reading only one's own, the producers (campaign runs, imports,
 * webhook failures) and retention.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

type Member = Awaited<ReturnType<typeof createMember>>;

/** A fresh workspace with one member of each role (and a disabled owner), so counts are exact. */
async function team() {
  const ws = await createWorkspace(h.handle.db, { settings: NO_QUIET_HOURS });
  const owner = await createMember(h.handle.db, ws.id, "owner");
  const admin = await createMember(h.handle.db, ws.id, "admin");
  const marketer = await createMember(h.handle.db, ws.id, "marketer");
  const viewer = await createMember(h.handle.db, ws.id, "viewer");
  const disabled = await createMember(h.handle.db, ws.id, "owner");
  await h.handle.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.user.id));
  return { id: ws.id, owner, admin, marketer, viewer, disabled, all: [owner, admin, marketer, viewer] };
}

async function rowsOf(workspaceId: string, kind?: string) {
  const rows = await h.handle.db.select().from(notifications).where(eq(notifications.workspaceId, workspaceId));
  return kind ? rows.filter((r) => r.kind === kind) : rows;
}

async function notificationEmails(workspaceId: string) {
  const rows = await h.handle.db
    .select()
    .from(messages)
    .where(and(eq(messages.workspaceId, workspaceId), sql`${messages.options}->>'purpose' = 'notification'`));
  return rows;
}

const at = (m: Member, now?: Clock): ServiceContext => ({ ...m.ctx, ...(now ? { now } : {}) });

describe("notify: fan-out by preference", () => {
  it("reaches every active member per their preferences (viewers too), in the app and by email through the outbox", async () => {
    const ws = await team();
    await updateNotificationPreferences({
      ctx: at(ws.viewer),
      input: { preferences: [{ kind: "campaign_completed", inApp: false, email: false }] },
    });
    await updateNotificationPreferences({
      ctx: at(ws.marketer),
      input: { preferences: [{ kind: "campaign_completed", inApp: true, email: true }] },
    });
    await updateNotificationPreferences({
      ctx: at(ws.admin),
      input: { preferences: [{ kind: "campaign_completed", inApp: false, email: true }] },
    });

    const result = await notify({
      ctx: { db: h.handle.db, now: () => new Date() },
      input: {
        workspaceId: ws.id,
        kind: "campaign_completed",
        title: 'Campaign "Spring sale" completed',
        body: "12 sent.",
        link: "/campaigns/123",
        dedupeKey: "test:fan-out",
      },
    });

    const rows = await rowsOf(ws.id);
    expect(new Set(rows.map((r) => r.userId))).toEqual(new Set([ws.owner.user.id, ws.marketer.user.id]));
    expect(result.notified).toBe(2);
    expect(rows.every((r) => r.title === 'Campaign "Spring sale" completed' && r.readAt === null)).toBe(true);

    const emails = await notificationEmails(ws.id);
    expect(new Set(emails.map((m) => m.userId))).toEqual(new Set([ws.marketer.user.id, ws.admin.user.id]));
    expect(emails.every((m) => m.kind === "system" && m.channel === "email" && m.status === "queued")).toBe(true);
    expect(result.emailMessageIds.sort()).toEqual(emails.map((m) => m.id).sort());
    // Another workspace's members hear nothing.
    const other = await team();
    expect(await rowsOf(other.id)).toHaveLength(0);
  });

  it("delivers the emails through the outbox: to the member's address, with the title, the link and no contact data", async () => {
    const ws = await team();
    await updateNotificationPreferences({
      ctx: at(ws.marketer),
      input: { preferences: [{ kind: "import_completed", inApp: true, email: true }] },
    });
    const before = h.resend.sent.length;
    const result = await notify({
      ctx: { db: h.handle.db, now: () => new Date(), outbox: h.outbox },
      input: {
        workspaceId: ws.id,
        kind: "import_completed",
        title: 'Import "leads.csv" finished',
        body: "3 added, 0 updated.",
        link: "/contacts/import",
        dedupeKey: "delivered",
      },
    });
    await h.settle();
    expect(result.emailMessageIds).toHaveLength(1);
    const message = await h.message(result.emailMessageIds[0]!);
    expect(message.status).toBe("sent");
    const mail = JSON.stringify(h.resend.sent.slice(before).map((s) => s.body));
    expect(mail).toContain(ws.marketer.user.email);
    expect(mail).toContain('Import \\"leads.csv\\" finished');
    expect(mail).toContain("/contacts/import");
    expect(mail).toContain("/settings/account#notifications");
  });

  it("uses the catalogue's defaults without a preference row: failures are emailed, completions are not", async () => {
    const ws = await team();
    const prefs = await getNotificationPreferences({ ctx: at(ws.viewer) });
    expect(prefs.preferences.find((p) => p.kind === "campaign_failed")).toEqual({
      kind: "campaign_failed",
      inApp: true,
      email: true,
    });
    expect(prefs.preferences.find((p) => p.kind === "campaign_completed")).toMatchObject({ email: false });
    await notify({
      ctx: { db: h.handle.db, now: () => new Date() },
      input: { workspaceId: ws.id, kind: "campaign_failed", title: "Failed", dedupeKey: "test:defaults" },
    });
    expect(await rowsOf(ws.id)).toHaveLength(4);
    expect(await notificationEmails(ws.id)).toHaveLength(4);
  });

  it("is idempotent by dedupe key: a retried job notifies and emails nobody twice", async () => {
    const ws = await team();
    await updateNotificationPreferences({
      ctx: at(ws.admin),
      input: { preferences: [{ kind: "import_completed", inApp: false, email: true }] },
    });
    const input = {
      workspaceId: ws.id,
      kind: "import_completed" as const,
      title: "Import finished",
      dedupeKey: "import:abc:completed",
    };
    const first = await notify({ ctx: { db: h.handle.db, now: () => new Date() }, input });
    const second = await notify({ ctx: { db: h.handle.db, now: () => new Date() }, input });
    expect(first.notified).toBe(3);
    expect(second).toEqual({ notified: 0, emailMessageIds: [] });
    expect(await rowsOf(ws.id)).toHaveLength(3);
    expect(await notificationEmails(ws.id)).toHaveLength(1);
  });

  it("cuts an over-long title and body instead of refusing them (a long campaign name must not stop a run)", async () => {
    const ws = await team();
    await notify({
      ctx: { db: h.handle.db, now: () => new Date() },
      input: {
        workspaceId: ws.id,
        kind: "campaign_completed",
        title: "T".repeat(300),
        body: "B".repeat(2000),
        dedupeKey: "long",
      },
    });
    const [row] = await rowsOf(ws.id);
    expect(row!.title).toHaveLength(200);
    expect(row!.title.endsWith("…")).toBe(true);
    expect(row!.body).toHaveLength(1000);
  });

  it("refuses a link that leaves the app and changes nothing", async () => {
    const ws = await team();
    await expect(
      notify({
        ctx: { db: h.handle.db, now: () => new Date() },
        input: { workspaceId: ws.id, kind: "campaign_failed", title: "x", link: "//evil.example", dedupeKey: "k" },
      }),
    ).rejects.toThrow();
    expect(await rowsOf(ws.id)).toHaveLength(0);
  });
});

describe("reading notifications", () => {
  async function seeded() {
    const ws = await team();
    const clock = fixedClock("2026-05-01T10:00:00Z");
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      await notify({
        ctx: { db: h.handle.db, now: clock },
        input: {
          workspaceId: ws.id,
          kind: i % 2 === 0 ? "campaign_completed" : "import_completed",
          title: `Event ${i}`,
          dedupeKey: `event:${i}`,
        },
      });
    }
    return ws;
  }

  it("lists newest first with cursor pages, filters unread and by kind, counts unread", async () => {
    const ws = await seeded();
    const first = await listNotifications({ ctx: at(ws.viewer), input: { limit: 2 } });
    expect(first.items.map((n) => n.title)).toEqual(["Event 4", "Event 3"]);
    const second = await listNotifications({ ctx: at(ws.viewer), input: { limit: 2, cursor: first.nextCursor } });
    expect(second.items.map((n) => n.title)).toEqual(["Event 2", "Event 1"]);
    const last = await listNotifications({ ctx: at(ws.viewer), input: { limit: 2, cursor: second.nextCursor } });
    expect(last.items.map((n) => n.title)).toEqual(["Event 0"]);
    expect(last.nextCursor).toBeNull();

    const imports = await listNotifications({ ctx: at(ws.viewer), input: { kind: "import_completed" } });
    expect(imports.items.map((n) => n.title)).toEqual(["Event 3", "Event 1"]);
    expect(await countUnreadNotifications({ ctx: at(ws.viewer) })).toEqual({ unread: 5 });

    await expect(listNotifications({ ctx: at(ws.viewer), input: { cursor: "not-a-cursor" } })).rejects.toMatchObject({
      code: "INVALID",
    });
  });

  it("marks read only the member's own; mark all read is idempotent", async () => {
    const ws = await seeded();
    const mine = await listNotifications({ ctx: at(ws.viewer), input: {} });
    const theirs = await listNotifications({ ctx: at(ws.owner), input: {} });

    // The viewer tries the owner's ids: nothing changes.
    expect(await markNotificationsRead({ ctx: at(ws.viewer), input: { ids: [theirs.items[0]!.id] } })).toEqual({
      marked: 0,
    });
    expect(await countUnreadNotifications({ ctx: at(ws.owner) })).toEqual({ unread: 5 });

    expect(await markNotificationsRead({ ctx: at(ws.viewer), input: { ids: [mine.items[0]!.id] } })).toEqual({
      marked: 1,
    });
    expect(await markNotificationsRead({ ctx: at(ws.viewer), input: { ids: [mine.items[0]!.id] } })).toEqual({
      marked: 0,
    });
    expect(await countUnreadNotifications({ ctx: at(ws.viewer) })).toEqual({ unread: 4 });
    const unread = await listNotifications({ ctx: at(ws.viewer), input: { unreadOnly: true } });
    expect(unread.items.map((n) => n.id)).not.toContain(mine.items[0]!.id);

    expect(await markAllNotificationsRead({ ctx: at(ws.viewer) })).toEqual({ marked: 4 });
    expect(await markAllNotificationsRead({ ctx: at(ws.viewer) })).toEqual({ marked: 0 });
    expect(await countUnreadNotifications({ ctx: at(ws.viewer) })).toEqual({ unread: 0 });
    expect(await countUnreadNotifications({ ctx: at(ws.owner) })).toEqual({ unread: 5 });
  });

  it("belongs to members only: an API key has no notifications", async () => {
    const ws = await team();
    const { key } = await createApiKeyFor(h.handle.db, ws.id, ["admin"]);
    const ctx: ServiceContext = {
      db: h.handle.db,
      workspaceId: ws.id,
      actor: { type: "apiKey", apiKeyId: key.id, scopes: ["admin"] },
      now: () => new Date(),
    };
    await expect(countUnreadNotifications({ ctx })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(markAllNotificationsRead({ ctx })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("saves preferences per member (audited), refuses a kind twice", async () => {
    const ws = await team();
    const saved = await updateNotificationPreferences({
      ctx: at(ws.marketer),
      input: { preferences: [{ kind: "webhook_failing", inApp: false, email: false }] },
    });
    expect(saved.preferences.find((p) => p.kind === "webhook_failing")).toEqual({
      kind: "webhook_failing",
      inApp: false,
      email: false,
    });
    // Others keep the defaults.
    const other = await getNotificationPreferences({ ctx: at(ws.viewer) });
    expect(other.preferences.find((p) => p.kind === "webhook_failing")).toMatchObject({ inApp: true, email: true });
    const audit = await h.handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.action, "notification_preferences.updated")));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after).toEqual({ webhook_failing: { inApp: false, email: false } });

    await expect(
      updateNotificationPreferences({
        ctx: at(ws.marketer),
        input: {
          preferences: [
            { kind: "campaign_failed", inApp: false, email: false },
            { kind: "campaign_failed", inApp: true, email: false },
          ],
        },
      }),
    ).rejects.toThrow();
    const after = await getNotificationPreferences({ ctx: at(ws.marketer) });
    expect(after.preferences.find((p) => p.kind === "campaign_failed")).toMatchObject({ inApp: true, email: true });
  });
});

describe("producers", () => {
  async function campaignFor(ws: Awaited<ReturnType<typeof team>>, recipients = 2) {
    await h.topic("news", ["email"], "marketing", ws.id);
    for (let i = 0; i < recipients; i++) {
      const id = await h.contact({ email: uniqueEmail() }, ws.id);
      await h.optIn(id, "email", "news", ws.id);
    }
    const ctx = { ...ws.admin.ctx, outbox: h.outbox };
    const campaign = await createCampaign({
      ctx,
      input: {
        name: "Spring sale",
        channel: "email",
        topic: "news",
        content: { subject: "Hello", text: "News for you" },
      },
    });
    const { runIds } = await scheduleCampaign({ ctx, input: { id: campaign.id } });
    return { campaign, runId: runIds[0]! };
  }

  async function drive(runId: string, now: Clock = () => new Date()): Promise<RunStep> {
    let step: RunStep = { state: "more" };
    for (let i = 0; i < 50 && step.state === "more"; i++)
      step = await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } });
    return step;
  }

  it("a completed campaign run notifies each member once, with the counts and a link", async () => {
    const ws = await team();
    const { campaign, runId } = await campaignFor(ws);
    await drive(runId);
    await h.settle();
    expect(await drive(runId)).toEqual({ state: "done", status: "completed" });
    await drive(runId); // the job looking again changes nothing

    const rows = await rowsOf(ws.id, "campaign_completed");
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => r.userId)).size).toBe(4);
    expect(rows[0]).toMatchObject({
      title: 'Campaign "Spring sale" completed',
      body: "2 sent.",
      link: `/campaigns/${campaign.id}`,
      data: { campaignId: campaign.id, runId, sent: 2, failed: 0 },
    });
    expect(JSON.stringify(rows)).not.toContain("@example.com");
  });

  it("a failed run notifies (and emails, by default) once", async () => {
    const ws = await team();
    const { runId } = await campaignFor(ws);
    await failRun({ ctx: { db: h.handle.db, now: () => new Date() }, input: { runId, error: "TypeError" } });
    await failRun({ ctx: { db: h.handle.db, now: () => new Date() }, input: { runId, error: "TypeError" } });
    expect(await rowsOf(ws.id, "campaign_failed")).toHaveLength(4);
    expect(await notificationEmails(ws.id)).toHaveLength(4);
  });

  it("a run held by the provider's circuit breaker notifies once per run and day", async () => {
    const ws = await team();
    const { runId } = await campaignFor(ws);
    const now = () => new Date();
    await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } }); // freeze
    const provider = h.outbox.transports.email.name;
    const openUntil = new Date(Date.now() + 60_000);
    await h.handle.db
      .insert(providerCircuits)
      .values({ provider, state: "open", failures: 10, windowStart: new Date(), openedAt: new Date(), openUntil });
    try {
      expect((await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } })).state).toBe(
        "wait",
      );
      await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } });
      const rows = await rowsOf(ws.id, "campaign_provider_paused");
      expect(rows).toHaveLength(4);
      expect(rows[0]!.title).toContain(provider);
    } finally {
      await h.handle.db.delete(providerCircuits).where(eq(providerCircuits.provider, provider));
    }
  });

  it("a run paused for drift review or by the error policy notifies; a member's own pause notifies nobody", async () => {
    const ws = await team();
    const { campaign, runId } = await campaignFor(ws, 2);
    const ctx = { ...ws.admin.ctx, outbox: h.outbox };
    // A member pauses and resumes: nobody is told.
    await pauseCampaign({ ctx, input: { id: campaign.id } });
    await resumeCampaign({ ctx, input: { id: campaign.id } });
    expect(await rowsOf(ws.id)).toHaveLength(0);

    // The reviewed dry run saw 10 people; the freeze finds 2: paused for review.
    await h.handle.db
      .update(campaigns)
      .set({
        lastDryRun: {
          audience: 10,
          sendable: 10,
          blocked: {},
          deferred: 0,
          smsSegments: null,
          estimatedCost: null,
          computedAt: new Date().toISOString(),
        },
      })
      .where(eq(campaigns.id, campaign.id));
    expect(await drive(runId)).toEqual({ state: "done", status: "paused" });
    const drift = await rowsOf(ws.id, "campaign_paused");
    expect(drift).toHaveLength(4);
    expect(drift[0]).toMatchObject({ title: 'Campaign "Spring sale" paused for review', data: { reason: "drift" } });

    // Resumed, then the error policy trips: a second, different notification.
    await resumeCampaign({ ctx, input: { id: campaign.id } });
    const run = (await runById(h.handle.db, runId))!;
    expect(run.status).toBe("sending");
    const later = new Date(Date.now() + 1000);
    await moveRun(h.handle.db, { run, from: ["sending"], to: "paused", reason: "errors", at: later });
    const paused = await rowsOf(ws.id, "campaign_paused");
    expect(paused).toHaveLength(8);
    expect(paused.filter((r) => r.title === 'Campaign "Spring sale" paused: too many errors')).toHaveLength(4);
  });

  it("an interrupted import whose file is gone is marked failed, and that notifies", async () => {
    const ws = await team();
    const ctx = at(ws.marketer);
    const created = await createImport({
      ctx,
      input: { filename: "lost.csv", mapping: { email: "Email" }, topicKeys: [], channels: [] },
    });
    // A run that died two hours ago in another process, its file not stored here.
    await h.handle.db
      .update(imports)
      .set({ status: "running", runId: randomUUID(), heartbeatAt: new Date(Date.now() - 2 * 3600_000) })
      .where(eq(imports.id, created.id));
    const result = await recoverInterruptedImports({ ctx: { db: h.handle.db, now: () => new Date() } });
    expect(result.failed).toContain(created.id);
    const rows = await rowsOf(ws.id, "import_failed");
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({ title: 'Import "lost.csv" failed', data: { importId: created.id } });
  });

  it("an import that finished with rejections notifies once, with the count and no row content", async () => {
    const ws = await team();
    await ensureDefaultTopics(h.handle.db, ws.id, new Date());
    const ctx = at(ws.marketer);
    const created = await createImport({
      ctx,
      input: { filename: "leads.csv", mapping: { email: "Email" }, topicKeys: [], channels: [] },
    });
    async function* source() {
      yield Buffer.from(`Email\r\nok-${randomUUID().slice(0, 6)}@example.com\r\nnot-an-address\r\n`);
    }
    const done = await runImport({ ctx, input: { importId: created.id, source: source() } });
    expect(done).toMatchObject({ status: "completed", rejectedRows: 1 });

    const rows = await rowsOf(ws.id, "import_completed");
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({
      title: 'Import "leads.csv" finished with 1 rejected row',
      link: "/contacts/import",
      data: { importId: created.id, rejected: 1, inserted: 1 },
    });
    expect(JSON.stringify(rows)).not.toContain("not-an-address");
    expect(JSON.stringify(rows)).not.toContain("@example.com");
  });

  it("webhook failures notify once the threshold is reached, once per endpoint and day", async () => {
    const ws = await team();
    const clock = fixedClock("2026-07-01T09:00:00Z");
    const input = (n: number, endpointId = "ep_1") => ({
      workspaceId: ws.id,
      endpointId,
      endpointLabel: "hooks.example.org",
      consecutiveFailures: n,
    });
    const ctx = { db: h.handle.db, now: clock };
    expect(await notifyWebhookFailures({ ctx, input: input(WEBHOOK_FAILURE_THRESHOLD - 1) })).toBeNull();
    expect(await rowsOf(ws.id)).toHaveLength(0);

    expect((await notifyWebhookFailures({ ctx, input: input(WEBHOOK_FAILURE_THRESHOLD) }))!.notified).toBe(4);
    clock.advance(3600_000);
    expect((await notifyWebhookFailures({ ctx, input: input(WEBHOOK_FAILURE_THRESHOLD + 3) }))!.notified).toBe(0);
    expect((await notifyWebhookFailures({ ctx, input: input(WEBHOOK_FAILURE_THRESHOLD, "ep_2") }))!.notified).toBe(4);
    clock.advance(24 * 3600_000);
    expect((await notifyWebhookFailures({ ctx, input: input(WEBHOOK_FAILURE_THRESHOLD + 40) }))!.notified).toBe(4);
    expect(await rowsOf(ws.id, "webhook_failing")).toHaveLength(12);
  });
});

describe("membership", () => {
  it("a member who leaves takes their notifications and preferences along", async () => {
    const ws = await team();
    await notify({
      ctx: { db: h.handle.db, now: () => new Date() },
      input: { workspaceId: ws.id, kind: "campaign_failed", title: "x", dedupeKey: "leave" },
    });
    await h.handle.db.execute(
      sql`delete from memberships where workspace_id = ${ws.id}::uuid and user_id = ${ws.viewer.user.id}::uuid`,
    );
    const rows = await rowsOf(ws.id);
    expect(rows.map((r) => r.userId)).not.toContain(ws.viewer.user.id);
    expect(rows).toHaveLength(3);
  });
});
