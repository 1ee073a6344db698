import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { auditLog, workspaces } from "@/db/schema";
import { createCaller } from "@/server/api/root";
import type { TrpcContext } from "@/server/api/trpc";
import { systemClock } from "@/server/lib/clock";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { getMessagingSettings, updateMessagingSettings } from "@/server/services/policy";
import type { MessagingSettings } from "@/server/services/policy/types";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createApiKeyFor, createMember, createWorkspace, systemContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { getOutbox } from "@/server/wiring";

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle.close();
});

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

async function workspaceWithTopics(overrides: Partial<typeof workspaces.$inferInsert> = {}) {
  const ws = await createWorkspace(handle.db, overrides);
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  return ws;
}

const policy: MessagingSettings = {
  quietHours: { enabled: true, start: "09:00", end: "20:00", stateRules: true },
  frequencyCaps: [
    { channel: "sms", topicKey: "promotions", max: 4, days: 7 },
    { channel: "any", topicKey: null, max: 10, days: 30 },
  ],
  sendingLimits: {
    email: [{ seconds: 1, max: 10 }],
    sms: [
      { seconds: 1, max: 5 },
      { seconds: 86_400, max: 5000 },
    ],
  },
  timezone: "America/Chicago",
};

describe("messaging settings", () => {
  it("a new workspace reads the contract defaults: quiet hours 08:00–21:00 with state rules, no caps", async () => {
    const ws = await workspaceWithTopics();
    const viewer = await createMember(handle.db, ws.id, "viewer");
    expect(await (await callerFor(viewer.user.id, ws.id)).messagingSettings.get()).toEqual({
      quietHours: { enabled: true, start: "08:00", end: "21:00", stateRules: true },
      frequencyCaps: [],
      sendingLimits: { email: [], sms: [] },
      timezone: "America/New_York",
    });
  });

  it("the default zone follows the workspace's default region", async () => {
    const ws = await workspaceWithTopics({ defaultRegion: "GB" });
    expect((await getMessagingSettings({ ctx: systemContext(handle.db, ws.id) })).timezone).toBe("Europe/London");
  });

  it("an admin saves the policy; it is read back, stored under settings.messaging beside other keys, and audited with before and after", async () => {
    const ws = await workspaceWithTopics({ settings: { branding: { color: "#123456" } } });
    const admin = await createMember(handle.db, ws.id, "admin");
    const caller = await callerFor(admin.user.id, ws.id);

    expect(await caller.messagingSettings.update(policy)).toEqual(policy);
    expect(await caller.messagingSettings.get()).toEqual(policy);

    const [row] = await handle.db
      .select({ settings: workspaces.settings })
      .from(workspaces)
      .where(eq(workspaces.id, ws.id));
    expect(row!.settings).toEqual({ branding: { color: "#123456" }, messaging: policy });

    const audits = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.action, "workspace.messaging_settings_updated")));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorType: "user",
      actorId: admin.user.id,
      targetType: "workspace",
      targetId: ws.id,
    });
    expect(audits[0]!.before).toMatchObject({ quietHours: { start: "08:00", end: "21:00" }, frequencyCaps: [] });
    expect(audits[0]!.after).toMatchObject({
      quietHours: { start: "09:00", end: "20:00" },
      timezone: "America/Chicago",
    });
  });

  it("an owner may update too, and a second save replaces the first", async () => {
    const ws = await workspaceWithTopics();
    const owner = await createMember(handle.db, ws.id, "owner");
    const caller = await callerFor(owner.user.id, ws.id);
    await caller.messagingSettings.update(policy);
    const off = { ...policy, quietHours: { ...policy.quietHours, enabled: false }, frequencyCaps: [] };
    await caller.messagingSettings.update(off);
    expect(await caller.messagingSettings.get()).toEqual(off);
  });

  it("viewers and marketers can read but not update", async () => {
    const ws = await workspaceWithTopics();
    for (const role of ["viewer", "marketer"] as const) {
      const member = await createMember(handle.db, ws.id, role);
      const caller = await callerFor(member.user.id, ws.id);
      await expect(caller.messagingSettings.get()).resolves.toMatchObject({ timezone: "America/New_York" });
      await expect(caller.messagingSettings.update(policy)).rejects.toMatchObject({ code: "FORBIDDEN" });
      // The service refuses on its own too, whatever calls it.
      await expect(updateMessagingSettings({ ctx: member.ctx, input: policy })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
    }
    const [row] = await handle.db
      .select({ settings: workspaces.settings })
      .from(workspaces)
      .where(eq(workspaces.id, ws.id));
    expect(row!.settings).toEqual({});
  });

  it("an anonymous caller and an API key cannot use the admin-UI procedures", async () => {
    const ws = await workspaceWithTopics();
    const anonymous = createCaller({
      db: handle.db,
      now: systemClock,
      outbox: getOutbox(),
      requestId: "t",
      auth: { kind: "anonymous" },
      headers: new Headers(),
    });
    await expect(anonymous.messagingSettings.get()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const { key } = await createApiKeyFor(handle.db, ws.id, ["admin"]);
    const withKey = createCaller({
      db: handle.db,
      now: systemClock,
      outbox: getOutbox(),
      requestId: "t",
      auth: { kind: "apiKey", key: { apiKeyId: key.id, workspaceId: ws.id, scopes: ["admin"] } },
      headers: new Headers(),
    });
    await expect(withKey.messagingSettings.update(policy)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("invalid input is refused with the offending field, and nothing is written", async () => {
    const ws = await workspaceWithTopics();
    const admin = await createMember(handle.db, ws.id, "admin");
    const caller = await callerFor(admin.user.id, ws.id);

    const badWindow = { ...policy, quietHours: { ...policy.quietHours, start: "22:00", end: "07:00" } };
    await expect(caller.messagingSettings.update(badWindow)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.messagingSettings.update({ ...policy, timezone: "Atlantis/Capital" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const unknownTopic = {
      ...policy,
      frequencyCaps: [{ channel: "sms" as const, topicKey: "no-such-topic", max: 1, days: 1 }],
    };
    const twoPerSecond = {
      ...policy,
      sendingLimits: {
        email: [],
        sms: [
          { seconds: 1, max: 5 },
          { seconds: 1, max: 8 },
        ],
      },
    };
    await expect(caller.messagingSettings.update(twoPerSecond)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      caller.messagingSettings.update({ ...policy, sendingLimits: { email: [{ seconds: 172_800, max: 1 }], sms: [] } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(updateMessagingSettings({ ctx: admin.ctx, input: unknownTopic })).rejects.toMatchObject({
      code: "INVALID",
      field: "frequencyCaps.0.topicKey",
    });
    await expect(caller.messagingSettings.update(unknownTopic)).rejects.toMatchObject({ code: "BAD_REQUEST" });

    expect(await caller.messagingSettings.get()).toMatchObject({
      quietHours: { start: "08:00", end: "21:00" },
      frequencyCaps: [],
      sendingLimits: { email: [], sms: [] },
    });
    const audits = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.action, "workspace.messaging_settings_updated")));
    expect(audits).toHaveLength(0);
  });

  it("a cap cannot name another workspace's topic", async () => {
    const mine = await createWorkspace(handle.db);
    const other = await workspaceWithTopics();
    const admin = await createMember(handle.db, mine.id, "admin");
    await expect(
      updateMessagingSettings({
        ctx: admin.ctx,
        input: { ...policy, frequencyCaps: [{ channel: "sms", topicKey: "promotions", max: 1, days: 1 }] },
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
    expect((await getMessagingSettings({ ctx: systemContext(handle.db, other.id) })).frequencyCaps).toEqual([]);
  });
});
