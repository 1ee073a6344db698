import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { auditLog } from "@/db/schema";
import { createCaller } from "@/server/api/root";
import type { RequestAuth, TrpcContext } from "@/server/api/trpc";
import { fixedClock, systemClock } from "@/server/lib/clock";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { signInWithPassword } from "@/server/services/auth/sign-in-with-password";
import { acceptInvitation, inviteMember, previewInvitation } from "@/server/services/invitations";
import { changeMemberRole, removeMember } from "@/server/services/members";
import { createApiKeyFor, createMember, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { getOutbox } from "@/server/wiring";

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle.close();
});

async function callerFor(userId: string, workspaceId?: string) {
  const membership = await resolveSessionMembership(handle.db, userId, workspaceId);
  const auth: RequestAuth = membership ? { kind: "session", membership } : { kind: "anonymous" };
  const ctx: TrpcContext = {
    db: handle.db,
    now: systemClock,
    outbox: getOutbox(),
    requestId: "test",
    auth,
    headers: new Headers(),
  };
  return createCaller(ctx);
}

describe("roles", () => {
  it("a viewer can read members but cannot invite, change roles or manage keys", async () => {
    const ws = await createWorkspace(handle.db);
    const owner = await createMember(handle.db, ws.id, "owner");
    const viewer = await createMember(handle.db, ws.id, "viewer");
    const caller = await callerFor(viewer.user.id);
    expect((await caller.members.list()).members).toHaveLength(2);
    await expect(caller.members.invite({ email: "x@example.test", role: "viewer" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(caller.members.changeRole({ userId: owner.user.id, role: "viewer" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(caller.apiKeys.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller.apiKeys.create({ name: "n", scopes: ["admin"] })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("a marketer cannot manage API keys; an admin can", async () => {
    const ws = await createWorkspace(handle.db);
    const marketer = await createMember(handle.db, ws.id, "marketer");
    const admin = await createMember(handle.db, ws.id, "admin");
    await expect((await callerFor(marketer.user.id)).apiKeys.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    const created = await (await callerFor(admin.user.id)).apiKeys.create({ name: "Shop", scopes: ["messages:send"] });
    expect(created.secret).toMatch(/^om_/);
  });

  it("an anonymous caller is UNAUTHORIZED on member procedures", async () => {
    const ctx: TrpcContext = {
      db: handle.db,
      now: systemClock,
      outbox: getOutbox(),
      requestId: "t",
      auth: { kind: "anonymous" },
      headers: new Headers(),
    };
    await expect(createCaller(ctx).members.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("API keys cannot use admin-UI-only procedures", async () => {
    const ws = await createWorkspace(handle.db);
    const { key } = await createApiKeyFor(handle.db, ws.id, ["admin"]);
    const ctx: TrpcContext = {
      db: handle.db,
      now: systemClock,
      outbox: getOutbox(),
      requestId: "t",
      auth: { kind: "apiKey", key: { apiKeyId: key.id, workspaceId: ws.id, scopes: ["admin"] } },
      headers: new Headers(),
    };
    await expect(createCaller(ctx).members.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("only an owner grants ownership, and the last owner can neither be demoted nor removed", async () => {
    const ws = await createWorkspace(handle.db);
    const owner = await createMember(handle.db, ws.id, "owner");
    const admin = await createMember(handle.db, ws.id, "admin");
    const marketer = await createMember(handle.db, ws.id, "marketer");

    await expect(
      changeMemberRole({ ctx: admin.ctx, input: { userId: marketer.user.id, role: "owner" } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      changeMemberRole({ ctx: admin.ctx, input: { userId: owner.user.id, role: "viewer" } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      changeMemberRole({ ctx: owner.ctx, input: { userId: owner.user.id, role: "admin" } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(removeMember({ ctx: owner.ctx, input: { userId: owner.user.id } })).rejects.toMatchObject({
      code: "CONFLICT",
    });

    const promoted = await changeMemberRole({ ctx: admin.ctx, input: { userId: marketer.user.id, role: "admin" } });
    expect(promoted.role).toBe("admin");
    const audit = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.action, "member.role_changed")));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: admin.user.id, before: { role: "marketer" }, after: { role: "admin" } });
  });

  it("a removed member loses access on the next request", async () => {
    const ws = await createWorkspace(handle.db);
    const owner = await createMember(handle.db, ws.id, "owner");
    const marketer = await createMember(handle.db, ws.id, "marketer");
    expect(await resolveSessionMembership(handle.db, marketer.user.id)).not.toBeNull();
    await removeMember({ ctx: owner.ctx, input: { userId: marketer.user.id } });
    expect(await resolveSessionMembership(handle.db, marketer.user.id)).toBeNull();
  });

  it("a member of two workspaces works in the one they choose, never in one they do not belong to", async () => {
    const a = await createWorkspace(handle.db);
    const b = await createWorkspace(handle.db);
    const c = await createWorkspace(handle.db);
    const member = await createMember(handle.db, a.id, "viewer");
    // Joined b a minute after a (explicitly: the row default and the factory's clock may disagree by a few ms).
    await handle.db
      .insert((await import("@/db/schema")).memberships)
      .values({ workspaceId: b.id, userId: member.user.id, role: "admin", createdAt: new Date(Date.now() + 60_000) });
    expect((await resolveSessionMembership(handle.db, member.user.id, b.id))?.workspace.id).toBe(b.id);
    expect((await resolveSessionMembership(handle.db, member.user.id, c.id))?.workspace.id).toBe(a.id);
  });
});

describe("invitations", () => {
  it("an invitation creates the account and membership once; the link cannot be reused", async () => {
    const ws = await createWorkspace(handle.db);
    const owner = await createMember(handle.db, ws.id, "owner");
    const { token, invitation } = await inviteMember({
      ctx: owner.ctx,
      input: { email: "New.Person@Example.test", role: "marketer" },
    });
    expect(invitation.email).toBe("new.person@example.test");
    const preview = await previewInvitation({ ctx: owner.ctx, input: { token } });
    expect(preview).toMatchObject({
      email: "new.person@example.test",
      role: "marketer",
      hasAccount: false,
      workspaceName: ws.name,
    });

    const sys = { db: handle.db, now: systemClock, actor: { type: "system" as const } };
    await expect(acceptInvitation({ ctx: sys, input: { token, name: "New", password: "short" } })).rejects.toThrow();
    const accepted = await acceptInvitation({
      ctx: sys,
      input: { token, name: "New Person", password: "a-long-password" },
    });
    const membership = await resolveSessionMembership(handle.db, accepted.userId);
    expect(membership?.role).toBe("marketer");
    expect(membership?.workspace.id).toBe(ws.id);
    await expect(
      acceptInvitation({ ctx: sys, input: { token, name: "Again", password: "another-password" } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await previewInvitation({ ctx: owner.ctx, input: { token } })).toBeNull();

    const signIn = await signInWithPassword({
      ctx: { db: handle.db, now: systemClock },
      input: { credentials: { email: "new.person@example.test", password: "a-long-password" } },
    });
    expect(signIn.ok).toBe(true);
  });

  it("an existing account joins without its password being changed", async () => {
    const wsA = await createWorkspace(handle.db);
    const wsB = await createWorkspace(handle.db);
    const existing = await createMember(handle.db, wsA.id, "viewer", { password: "original-password" });
    const owner = await createMember(handle.db, wsB.id, "owner");
    const { token } = await inviteMember({ ctx: owner.ctx, input: { email: existing.user.email, role: "admin" } });
    const sys = { db: handle.db, now: systemClock, actor: { type: "system" as const } };
    await acceptInvitation({ ctx: sys, input: { token, password: "attacker-chosen-password" } });
    const old = await signInWithPassword({
      ctx: { db: handle.db, now: systemClock },
      input: { credentials: { email: existing.user.email, password: "original-password" } },
    });
    expect(old.ok).toBe(true);
    const attacker = await signInWithPassword({
      ctx: { db: handle.db, now: systemClock },
      input: { credentials: { email: existing.user.email, password: "attacker-chosen-password" } },
    });
    expect(attacker.ok).toBe(false);
    expect((await resolveSessionMembership(handle.db, existing.user.id, wsB.id))?.role).toBe("admin");
  });

  it("expired invitations are refused", async () => {
    const ws = await createWorkspace(handle.db);
    const owner = await createMember(handle.db, ws.id, "owner");
    const clock = fixedClock("2026-01-01T00:00:00Z");
    const { token } = await inviteMember({
      ctx: { ...owner.ctx, now: clock },
      input: { email: "late@example.test", role: "viewer" },
    });
    clock.advance(8 * 24 * 3600 * 1000);
    const sys = { db: handle.db, now: clock, actor: { type: "system" as const } };
    await expect(
      acceptInvitation({ ctx: sys, input: { token, name: "Late", password: "a-long-password" } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("an admin cannot invite an owner, and members cannot be invited twice", async () => {
    const ws = await createWorkspace(handle.db);
    const admin = await createMember(handle.db, ws.id, "admin");
    await expect(
      inviteMember({ ctx: admin.ctx, input: { email: "boss@example.test", role: "owner" } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      inviteMember({ ctx: admin.ctx, input: { email: admin.user.email, role: "viewer" } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

describe("password sign-in", () => {
  it("refuses a wrong password, a user without a workspace, and rate-limits an address", async () => {
    const ws = await createWorkspace(handle.db);
    const member = await createMember(handle.db, ws.id, "viewer", {
      password: "right-password",
      email: "limit@example.test",
    });
    const bad = await signInWithPassword({
      ctx: { db: handle.db, now: systemClock },
      input: { credentials: { email: "limit@example.test", password: "wrong" } },
    });
    expect(bad).toEqual({ ok: false, reason: "invalid" });

    const owner = await createMember(handle.db, ws.id, "owner");
    await removeMember({ ctx: owner.ctx, input: { userId: member.user.id } });
    const orphan = await signInWithPassword({
      ctx: { db: handle.db, now: systemClock },
      input: { credentials: { email: "limit@example.test", password: "right-password" } },
    });
    expect(orphan).toEqual({ ok: false, reason: "no_workspace" });

    let last;
    for (let i = 0; i < 12; i++) {
      last = await signInWithPassword({
        ctx: { db: handle.db, now: systemClock },
        input: { credentials: { email: "limit@example.test", password: "wrong" } },
      });
    }
    expect(last).toEqual({ ok: false, reason: "rate_limited" });
  });
});
