import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { existsSync } from "node:fs";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import {
  auditCheckpoints,
  auditLog,
  consentEvents,
  contacts,
  importRejections,
  imports,
  jobRuns,
  messageEvents,
  messages,
  notifications,
  suppressions,
  webhookEvents,
  workspaces,
} from "@/db/schema";
import { purgeRetentionFunction } from "@/inngest/functions/purge-retention";
import { createCaller } from "@/server/api/root";
import type { TrpcContext } from "@/server/api/trpc";
import { createJobRunner } from "@/server/jobs";
import { fixedClock, systemClock } from "@/server/lib/clock";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { verifyAuditChain } from "@/server/services/audit/verify-audit-chain";
import { writeAudit } from "@/server/services/audit/write-audit";
import { importFilePath } from "@/server/services/imports/import-files";
import { purgeRetention, updateRetentionSettings, type RetentionCounts } from "@/server/services/retention";
import { ensureDefaultTopics } from "@/server/services/topics";
import { DEFAULT_RETENTION_SETTINGS } from "@/server/shared/retention-settings";
import { getOutbox } from "@/server/wiring";
import { createMember, createWorkspace } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { createTestDb } from "@/tests/helpers/db";

/**
 * Retention on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL), with a fixed
 * clock: each window removes exactly the rows just outside it and keeps the ones just inside,
 * in bounded batches; suppressions and the consent ledger stay; the audit chain still verifies
 * from its checkpoint; the settings are validated and audited.
 */

const NOW = new Date("2030-01-01T12:00:00.000Z");
const DAY = 24 * 3600_000;
const ago = (days: number, extraMs = 0) => new Date(NOW.getTime() - days * DAY - extraMs);
/** Just outside a window of `days` (a minute older than the cutoff) and just inside (a minute newer). */
const outside = (days: number) => ago(days, 60_000);
const inside = (days: number) => ago(days, -60_000);

const NONE: RetentionCounts = {
  messageBodies: 0,
  messages: 0,
  webhookEvents: 0,
  importRejections: 0,
  importFiles: 0,
  notifications: 0,
  auditLog: 0,
  erasedContactEvidence: 0,
  erasedConsentEvidence: 0,
};

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle.close();
});

const jobCtx = () => ({ db: handle.db, now: fixedClock(NOW) });

async function callerFor(userId: string, workspaceId: string) {
  const membership = await resolveSessionMembership(handle.db, userId, workspaceId);
  const ctx: TrpcContext = {
    db: handle.db,
    now: systemClock,
    outbox: getOutbox(),
    requestId: "test",
    auth: membership ? { kind: "session", membership } : { kind: "anonymous" },
    headers: new Headers(),
  };
  return createCaller(ctx);
}

/** Audit entries written as of `at`, appended to the workspace's chain in order. */
async function auditAt(workspaceId: string, at: Date, count: number, action = "test.old") {
  for (let i = 0; i < count; i++)
    await writeAudit(handle.db, { workspaceId, actor: { type: "system" }, now: () => at }, { action });
}

async function seedImport(workspaceId: string, finishedAt: Date, rejections: number, withFile: boolean) {
  const [row] = await handle.db
    .insert(imports)
    .values({
      workspaceId,
      status: "completed",
      filename: "list.csv",
      mapping: { email: "email" } as never,
      options: { topicKeys: ["newsletter"], channels: ["email"] },
      fileHash: withFile ? "a".repeat(64) : null,
      createdAt: finishedAt,
      finishedAt,
    })
    .returning();
  if (rejections > 0)
    await handle.db
      .insert(importRejections)
      .values(Array.from({ length: rejections }, (_, i) => ({ importId: row!.id, line: i + 2, reason: "bad_email" })));
  if (withFile) {
    await mkdir(path.dirname(importFilePath(row!.id)), { recursive: true });
    await writeFile(importFilePath(row!.id), "email\nann@example.com\n");
  }
  return row!;
}

async function seedNotifications(workspaceId: string, userId: string, dates: Date[]) {
  await handle.db.insert(notifications).values(
    dates.map((createdAt, i) => ({
      workspaceId,
      userId,
      kind: "import_completed" as const,
      title: `n${i}`,
      body: "",
      dedupeKey: `n${i}-${createdAt.getTime()}`,
      createdAt,
    })),
  );
}

async function erasedContact(workspaceId: string, erasedAt: Date) {
  const [row] = await handle.db.insert(contacts).values({ workspaceId, erasedAt }).returning({ id: contacts.id });
  return row!.id;
}

function countsOf(result: Awaited<ReturnType<typeof purgeRetention>>, workspaceId: string): RetentionCounts {
  return result.purged.find((p) => p.workspaceId === workspaceId)?.counts ?? NONE;
}

describe("purge-retention", () => {
  it("removes exactly what is past each default window, keeps the rest, the ledger and suppressions; a second run removes nothing", async () => {
    const ws = await createWorkspace(handle.db);
    await ensureDefaultTopics(handle.db, ws.id, ago(1000));
    const owner = await createMember(handle.db, ws.id, "owner");
    const d = DEFAULT_RETENTION_SETTINGS;

    // Audit first, so the chain is in time order: three entries past 2555 days, two just inside.
    await auditAt(ws.id, outside(d.auditLog!), 3);
    await auditAt(ws.id, inside(d.auditLog!), 2, "test.kept");

    // Messages: bodies past 30 days are cleared, messages past 730 days deleted (with events).
    const bodyOld = await createMessage(handle.db, { workspaceId: ws.id, createdAt: outside(d.messageBodies!) });
    const bodyKept = await createMessage(handle.db, { workspaceId: ws.id, createdAt: inside(d.messageBodies!) });
    const msgOld = await createMessage(handle.db, { workspaceId: ws.id, createdAt: outside(d.messages!) });
    const msgKept = await createMessage(handle.db, { workspaceId: ws.id, createdAt: inside(d.messages!) });
    const queued = await createMessage(handle.db, { workspaceId: ws.id, status: "queued", createdAt: ago(900) });

    await handle.db.insert(webhookEvents).values([
      {
        workspaceId: ws.id,
        provider: "resend",
        dedupeKey: `old-${ws.id}`,
        type: "email.delivered",
        receivedAt: outside(30),
      },
      {
        workspaceId: ws.id,
        provider: "resend",
        dedupeKey: `new-${ws.id}`,
        type: "email.delivered",
        receivedAt: inside(30),
      },
    ]);
    const importOld = await seedImport(ws.id, outside(d.imports!), 2, true);
    const importKept = await seedImport(ws.id, inside(d.imports!), 1, true);
    await seedNotifications(ws.id, owner.user.id, [outside(d.notifications!), inside(d.notifications!)]);

    // Erased contacts: evidence on their messages goes 30 days after the erasure.
    const erasedLong = await erasedContact(ws.id, outside(d.erasedContactEvidence!));
    const erasedRecently = await erasedContact(ws.id, inside(d.erasedContactEvidence!));
    const evidenceGone = await createMessage(handle.db, {
      workspaceId: ws.id,
      contactId: erasedLong,
      createdAt: ago(5),
    });
    const evidenceKept = await createMessage(handle.db, {
      workspaceId: ws.id,
      contactId: erasedRecently,
      createdAt: ago(5),
    });

    // The ledger and suppressions, however old, are never touched.
    await handle.db.insert(suppressions).values({
      workspaceId: ws.id,
      channel: "email",
      addressHash: "h-old",
      reason: "erased",
      source: "erasure",
      createdAt: ago(5000),
    });
    const ledgerRow = (contactId: string) => ({
      workspaceId: ws.id,
      contactId,
      channel: "email" as const,
      topicId: bodyOld.topicId!,
      action: "opted_in" as const,
      source: "form" as const,
      evidence: { ip: "203.0.113.7", userAgent: "Mozilla/5.0", url: "https://example.com/join", textHash: "t1" },
      actorType: "contact",
      occurredAt: ago(5000),
      recordedAt: ago(5000),
    });
    const [ledgerGone, ledgerKept] = await handle.db
      .insert(consentEvents)
      .values([ledgerRow(erasedLong), ledgerRow(erasedRecently)])
      .returning({ id: consentEvents.id });

    const first = await purgeRetention({ ctx: jobCtx() });
    expect(countsOf(first, ws.id)).toEqual({
      messageBodies: 2, // bodyOld, and msgKept (730 days old is past 30 too)
      messages: 1,
      webhookEvents: 1,
      importRejections: 2,
      importFiles: 1,
      notifications: 1,
      auditLog: 3,
      erasedContactEvidence: 1,
      erasedConsentEvidence: 1,
    });
    expect(first.more).toBe(false);

    const byId = async (id: string) => (await handle.db.select().from(messages).where(eq(messages.id, id)))[0];
    expect(await byId(msgOld.id)).toBeUndefined();
    expect(await handle.db.select().from(messageEvents).where(eq(messageEvents.messageId, msgOld.id))).toEqual([]);
    expect(await byId(bodyOld.id)).toMatchObject({
      subjectCiphertext: null,
      textCiphertext: null,
      htmlCiphertext: null,
      status: "sent",
    });
    expect((await byId(bodyOld.id))!.addressCiphertext).not.toBeNull();
    expect((await byId(bodyKept.id))!.textCiphertext).not.toBeNull();
    expect((await byId(msgKept.id))!.textCiphertext).toBeNull();
    expect((await byId(queued.id))!.textCiphertext).not.toBeNull();
    expect(await byId(evidenceGone.id)).toMatchObject({ addressCiphertext: null, textCiphertext: null });
    expect((await byId(evidenceGone.id))!.addressHash).not.toBeNull();
    expect((await byId(evidenceKept.id))!.addressCiphertext).not.toBeNull();

    const hooks = await handle.db.select().from(webhookEvents).where(eq(webhookEvents.workspaceId, ws.id));
    expect(hooks.map((h) => h.dedupeKey)).toEqual([`new-${ws.id}`]);
    const rejections = async (importId: string) =>
      (await handle.db.select().from(importRejections).where(eq(importRejections.importId, importId))).length;
    expect(await rejections(importOld.id)).toBe(0);
    expect(await rejections(importKept.id)).toBe(1);
    expect(existsSync(importFilePath(importOld.id))).toBe(false);
    expect(existsSync(importFilePath(importKept.id))).toBe(true);
    const [importOldRow] = await handle.db.select().from(imports).where(eq(imports.id, importOld.id));
    expect(importOldRow).toMatchObject({ fileHash: null, status: "completed" });
    const left = await handle.db.select().from(notifications).where(eq(notifications.workspaceId, ws.id));
    expect(left.map((n) => n.createdAt)).toEqual([inside(d.notifications!)]);
    expect(await handle.db.select().from(suppressions).where(eq(suppressions.workspaceId, ws.id))).toHaveLength(1);
    // The ledger keeps every row and its facts; only the erased contact's IP and user agent went.
    const ledger = await handle.db.select().from(consentEvents).where(eq(consentEvents.workspaceId, ws.id));
    expect(ledger).toHaveLength(2);
    expect(ledger.find((row) => row.id === ledgerGone!.id)).toMatchObject({
      action: "opted_in",
      source: "form",
      evidence: { url: "https://example.com/join", textHash: "t1" },
    });
    expect(ledger.find((row) => row.id === ledgerGone!.id)!.evidence).not.toHaveProperty("ip");
    expect(ledger.find((row) => row.id === ledgerKept!.id)!.evidence).toMatchObject({ ip: "203.0.113.7" });
    // Even inside a declared purge, the ledger refuses any other change.
    await expect(
      handle.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('optin.consent_evidence_purge', 'on', true)`);
        await tx.update(consentEvents).set({ action: "opted_out" }).where(eq(consentEvents.id, ledgerKept!.id));
      }),
    ).rejects.toThrow();

    // The audit entry of the run lists the counts; the chain verifies from its checkpoint.
    const chain = await handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.workspaceId, ws.id))
      .orderBy(asc(auditLog.seq));
    expect(chain.map((row) => row.action)).toEqual(["test.kept", "test.kept", "retention.purged"]);
    expect(chain[2]).toMatchObject({
      actorType: "system",
      actorId: "purge-retention",
      targetType: "workspace",
      targetId: ws.id,
      after: { counts: countsOf(first, ws.id), more: [], asOf: NOW.toISOString() },
    });
    const [checkpoint] = await handle.db.select().from(auditCheckpoints).where(eq(auditCheckpoints.workspaceId, ws.id));
    expect(checkpoint).toMatchObject({ purgedRows: 3, hash: chain[0]!.prevHash });
    const verified = await verifyAuditChain({ ctx: handle, input: { workspaceId: ws.id } });
    expect(verified.ok).toBe(true);
    expect(verified.chains[0]).toMatchObject({ ok: true, rows: 3, checkpointSeq: checkpoint!.seq });

    // Idempotent: nothing more to remove, and no second audit entry.
    const second = await purgeRetention({ ctx: jobCtx() });
    expect(second.removed).toEqual(NONE);
    expect(second.purged).toEqual([]);
    expect(
      await handle.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.action, "retention.purged"))),
    ).toHaveLength(1);
  });

  it("respects the batch bounds: what one run leaves goes the next, and the chain verifies at every step", async () => {
    const ws = await createWorkspace(handle.db);
    const owner = await createMember(handle.db, ws.id, "owner");
    await auditAt(ws.id, outside(3000), 5);
    await seedNotifications(ws.id, owner.user.id, [
      outside(100),
      outside(101),
      outside(102),
      outside(103),
      outside(104),
    ]);
    const bounds = { batchSize: 2, maxBatches: 1 };

    const first = await purgeRetention({ ctx: jobCtx(), input: bounds });
    expect(countsOf(first, ws.id)).toMatchObject({ notifications: 2, auditLog: 2 });
    expect(first.more).toBe(true);
    expect(first.purged.find((p) => p.workspaceId === ws.id)?.more).toEqual(["notifications", "auditLog"]);
    expect((await verifyAuditChain({ ctx: handle, input: { workspaceId: ws.id } })).ok).toBe(true);

    const second = await purgeRetention({ ctx: jobCtx(), input: bounds });
    expect(countsOf(second, ws.id)).toMatchObject({ notifications: 2, auditLog: 2 });
    expect((await verifyAuditChain({ ctx: handle, input: { workspaceId: ws.id } })).ok).toBe(true);

    const third = await purgeRetention({ ctx: jobCtx(), input: bounds });
    expect(countsOf(third, ws.id)).toMatchObject({ notifications: 1, auditLog: 1 });
    expect(third.more).toBe(false);
    expect(await handle.db.select().from(notifications).where(eq(notifications.workspaceId, ws.id))).toEqual([]);
    // Only the three runs' own entries are left; the chain verifies from the checkpoint.
    const actions = await handle.db.select().from(auditLog).where(eq(auditLog.workspaceId, ws.id));
    expect(actions.map((a) => a.action)).toEqual(["retention.purged", "retention.purged", "retention.purged"]);
    const report = await verifyAuditChain({ ctx: handle, input: { workspaceId: ws.id } });
    expect(report).toMatchObject({ ok: true, rows: 3 });

    expect((await purgeRetention({ ctx: jobCtx(), input: bounds })).removed).toEqual(NONE);
  });

  it("only a prefix of the chain goes: an old entry after a newer one stays, and tampering is still caught", async () => {
    const ws = await createWorkspace(handle.db);
    await auditAt(ws.id, outside(3000), 1);
    await auditAt(ws.id, ago(10), 1, "test.recent");
    await auditAt(ws.id, outside(3000), 1, "test.old-after-recent");
    const result = await purgeRetention({ ctx: jobCtx() });
    expect(countsOf(result, ws.id).auditLog).toBe(1);
    const chain = await handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.workspaceId, ws.id))
      .orderBy(asc(auditLog.seq));
    expect(chain.map((row) => row.action)).toEqual(["test.recent", "test.old-after-recent", "retention.purged"]);
    expect((await verifyAuditChain({ ctx: handle, input: { workspaceId: ws.id } })).ok).toBe(true);

    // Outside the purge the trigger still refuses a DELETE.
    await expect(handle.db.delete(auditLog).where(eq(auditLog.id, chain[0]!.id))).rejects.toThrow();
    // A row removed behind the trigger's back (after the checkpoint) breaks the chain.
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('optin.audit_retention_purge', 'on', true)`);
      await tx.delete(auditLog).where(eq(auditLog.id, chain[1]!.id));
    });
    const report = await verifyAuditChain({ ctx: handle, input: { workspaceId: ws.id } });
    expect(report).toMatchObject({ ok: false, brokenAtSeq: chain[2]!.seq, reason: "prev_hash_mismatch" });
  });

  it("follows each workspace's own settings: kept forever means never, a shorter window removes more", async () => {
    const ws = await createWorkspace(handle.db, {
      settings: { retention: { ...DEFAULT_RETENTION_SETTINGS, messages: null, messageBodies: null, notifications: 7 } },
    });
    await ensureDefaultTopics(handle.db, ws.id, ago(5000));
    const owner = await createMember(handle.db, ws.id, "owner");
    const ancient = await createMessage(handle.db, { workspaceId: ws.id, createdAt: ago(4000) });
    await seedNotifications(ws.id, owner.user.id, [outside(7), inside(7)]);
    const result = await purgeRetention({ ctx: jobCtx() });
    expect(countsOf(result, ws.id)).toEqual({ ...NONE, notifications: 1 });
    const [kept] = await handle.db.select().from(messages).where(eq(messages.id, ancient.id));
    expect(kept!.textCiphertext).not.toBeNull();
  });

  it("runs nightly at 03:45 UTC in the job runner, as of the runner's clock", async () => {
    const ws = await createWorkspace(handle.db);
    const owner = await createMember(handle.db, ws.id, "owner");
    const clock = fixedClock("2031-02-01T03:44:00.000Z");
    await seedNotifications(ws.id, owner.user.id, [
      new Date(clock().getTime() - 91 * DAY),
      new Date(clock().getTime() - 89 * DAY),
    ]);
    const runner = createJobRunner({ handle, clock, functions: [purgeRetentionFunction] });
    try {
      await runner.drain({ until: new Date("2031-02-01T03:45:30.000Z") });
      const runs = await handle.db
        .select()
        .from(jobRuns)
        .where(eq(jobRuns.functionId, "optin-manager-purge-retention"));
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: "completed", output: { more: false } });
      // Other workspaces' leftovers are older still by then: this one's audit entry has its own counts.
      const [entry] = await handle.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.action, "retention.purged")));
      expect(entry!.after).toMatchObject({
        counts: { notifications: 1 },
        asOf: expect.stringMatching(/^2031-02-01T03:45/),
      });
      expect(await handle.db.select().from(notifications).where(eq(notifications.workspaceId, ws.id))).toHaveLength(1);
    } finally {
      await runner.stop();
    }
  });
});

describe("retention settings", () => {
  it("a new workspace reads the defaults", async () => {
    const ws = await createWorkspace(handle.db);
    const viewer = await createMember(handle.db, ws.id, "viewer");
    expect(await (await callerFor(viewer.user.id, ws.id)).retentionSettings.get()).toEqual({
      messageBodies: 30,
      messages: 730,
      webhookEvents: 30,
      imports: 30,
      notifications: 90,
      auditLog: 2555,
      erasedContactEvidence: 30,
    });
  });

  it("an admin saves them; they are read back, stored beside other settings and audited with before and after", async () => {
    const ws = await createWorkspace(handle.db, { settings: { tracking: { opens: false } } });
    const admin = await createMember(handle.db, ws.id, "admin");
    const caller = await callerFor(admin.user.id, ws.id);
    const next = { ...DEFAULT_RETENTION_SETTINGS, messageBodies: 7, messages: null, auditLog: 365 };
    expect(await caller.retentionSettings.update(next)).toEqual(next);
    expect(await caller.retentionSettings.get()).toEqual(next);
    const [row] = await handle.db
      .select({ settings: workspaces.settings })
      .from(workspaces)
      .where(eq(workspaces.id, ws.id));
    expect(row!.settings).toEqual({ tracking: { opens: false }, retention: next });
    const audits = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.action, "workspace.retention_settings_updated")));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorType: "user",
      actorId: admin.user.id,
      before: DEFAULT_RETENTION_SETTINGS,
      after: next,
    });
  });

  it("refuses a window under its minimum (400 naming the field) and changes nothing", async () => {
    const ws = await createWorkspace(handle.db);
    const owner = await createMember(handle.db, ws.id, "owner");
    const caller = await callerFor(owner.user.id, ws.id);
    const cases: [Record<string, unknown>, string][] = [
      [{ auditLog: 300 }, "auditLog"],
      [{ messages: 10 }, "messages"],
      [{ webhookEvents: 1 }, "webhookEvents"],
      [{ erasedContactEvidence: null }, "erasedContactEvidence"],
      [{ erasedContactEvidence: 400 }, "erasedContactEvidence"],
      [{ notifications: 1.5 }, "notifications"],
    ];
    for (const [change, field] of cases) {
      const error = await caller.retentionSettings.update({ ...DEFAULT_RETENTION_SETTINGS, ...change } as never).then(
        () => null,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(error?.code).toBe("BAD_REQUEST");
      expect(error?.message).toContain(field);
    }
    const [row] = await handle.db
      .select({ settings: workspaces.settings })
      .from(workspaces)
      .where(eq(workspaces.id, ws.id));
    expect(row!.settings).toEqual({});
    expect(
      await handle.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.action, "workspace.retention_settings_updated"))),
    ).toEqual([]);
  });

  it("viewers and marketers read but cannot change them", async () => {
    const ws = await createWorkspace(handle.db);
    for (const role of ["viewer", "marketer"] as const) {
      const member = await createMember(handle.db, ws.id, role);
      const caller = await callerFor(member.user.id, ws.id);
      await expect(caller.retentionSettings.get()).resolves.toMatchObject({ messages: 730 });
      await expect(caller.retentionSettings.update(DEFAULT_RETENTION_SETTINGS)).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(
        updateRetentionSettings({ ctx: member.ctx, input: DEFAULT_RETENTION_SETTINGS }),
      ).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
    }
  });
});
