import { InngestTestEngine } from "@inngest/test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, invitations, jobRuns, verificationTokens, workspaces } from "@/db/schema";
import { tokensPurgeRequested } from "@/inngest/events";
import { purgeExpiredTokensFunction } from "@/inngest/functions/purge-expired-tokens";
import { createJobRunner } from "@/server/jobs";
import { runWithJobContext } from "@/server/jobs/runner/context";
import { fixedClock } from "@/server/lib/clock";
import { purgeExpiredTokens } from "@/server/services/auth/purge-expired-tokens";
import { createTestDb } from "../helpers/db";

const NOW = new Date("2030-06-01T12:00:00.000Z");
const HOUR = 3600_000;

let handle: DbHandle;

/** Workspace plus tokens/invitations on both sides of `now`. */
async function seed(now: Date = NOW) {
  const [workspace] = await handle.db
    .insert(workspaces)
    .values({ name: "Acme", slug: `acme-${Math.random().toString(36).slice(2, 8)}` })
    .returning();
  await handle.db.insert(verificationTokens).values([
    { identifier: "expired@example.com", token: "t-expired", expires: new Date(now.getTime() - HOUR) },
    { identifier: "valid@example.com", token: "t-valid", expires: new Date(now.getTime() + HOUR) },
  ]);
  const base = { workspaceId: workspace!.id, role: "viewer" as const };
  await handle.db.insert(invitations).values([
    { ...base, email: "expired-open@example.com", tokenHash: "h1", expiresAt: new Date(now.getTime() - HOUR) },
    {
      ...base,
      email: "expired-revoked@example.com",
      tokenHash: "h2",
      expiresAt: new Date(now.getTime() - HOUR),
      revokedAt: new Date(now.getTime() - 2 * HOUR),
    },
    {
      ...base,
      email: "accepted@example.com",
      tokenHash: "h3",
      expiresAt: new Date(now.getTime() - HOUR),
      acceptedAt: new Date(now.getTime() - 3 * HOUR),
    },
    { ...base, email: "pending@example.com", tokenHash: "h4", expiresAt: new Date(now.getTime() + HOUR) },
  ]);
  return workspace!;
}

async function remaining() {
  const tokens = await handle.db.select({ token: verificationTokens.token }).from(verificationTokens);
  const invites = await handle.db.select({ email: invitations.email }).from(invitations);
  return { tokens: tokens.map((t) => t.token).sort(), invitations: invites.map((i) => i.email).sort() };
}

beforeEach(async () => {
  handle = await createTestDb();
});

afterEach(async () => {
  await handle.close();
});

describe("purgeExpiredTokens (service)", () => {
  it("deletes expired tokens and expired unaccepted invitations, keeps the rest, and audits counts only", async () => {
    const workspace = await seed();
    const result = await purgeExpiredTokens({ ctx: { db: handle.db, now: fixedClock(NOW) } });

    expect(result).toEqual({ verificationTokens: 1, invitations: 2 });
    expect(await remaining()).toEqual({
      tokens: ["t-valid"],
      invitations: ["accepted@example.com", "pending@example.com"],
    });
    const audit = await handle.db.select().from(auditLog);
    expect(audit.map((a) => [a.action, a.workspaceId, a.after]).sort()).toEqual([
      ["auth.verification_tokens.purged", null, { count: 1 }],
      ["invitations.expired_purged", workspace.id, { count: 2 }],
    ]);
    expect(JSON.stringify(audit)).not.toContain("@example.com");
  });

  it("is idempotent: a second purge deletes nothing and writes no audit row", async () => {
    await seed();
    const ctx = { db: handle.db, now: fixedClock(NOW) };
    await purgeExpiredTokens({ ctx });
    const auditRows = (await handle.db.select().from(auditLog)).length;

    expect(await purgeExpiredTokens({ ctx })).toEqual({ verificationTokens: 0, invitations: 0 });
    expect(await handle.db.select().from(auditLog)).toHaveLength(auditRows);
  });

  it("frees the open-invitation slot so the same address can be invited again", async () => {
    const workspace = await seed();
    await purgeExpiredTokens({ ctx: { db: handle.db, now: fixedClock(NOW) } });
    await expect(
      handle.db.insert(invitations).values({
        workspaceId: workspace.id,
        role: "viewer",
        email: "expired-open@example.com",
        tokenHash: "h5",
        expiresAt: new Date(NOW.getTime() + 7 * 24 * HOUR),
      }),
    ).resolves.toBeDefined();
  });
});

describe("purge-expired-tokens (Inngest function)", () => {
  it("runs its one step through the service (InngestTestEngine)", async () => {
    await seed();
    const engine = new InngestTestEngine({
      function: purgeExpiredTokensFunction,
      events: [{ name: tokensPurgeRequested.name, data: { reason: "test" } }],
    });
    const { result, error, ctx } = await runWithJobContext({ context: { db: handle.db, now: fixedClock(NOW) } }, () =>
      engine.execute(),
    );

    expect(error).toBeUndefined();
    expect(result).toEqual({ verificationTokens: 1, invitations: 2 });
    expect(ctx.step.run).toHaveBeenCalledTimes(1);
    expect(ctx.step.run).toHaveBeenCalledWith("purge", expect.any(Function));
    expect((await remaining()).tokens).toEqual(["t-valid"]);
  });

  it("is triggered nightly at 03:00 UTC and by auth/tokens.purge.requested in the runner", async () => {
    const clock = fixedClock("2030-06-01T02:59:00.000Z");
    await seed(new Date("2030-06-01T03:00:00.000Z"));
    const runner = createJobRunner({ handle, clock, functions: [purgeExpiredTokensFunction] });

    await runner.drain({ until: new Date("2030-06-01T03:00:30.000Z") });
    const [nightly] = await handle.db.select().from(jobRuns);
    expect(nightly?.status).toBe("completed");
    expect(nightly?.event.name).toBe("inngest/scheduled.timer");
    // Purged as of 03:00 (the fake clock), not the wall clock.
    expect(nightly?.output).toEqual({ verificationTokens: 1, invitations: 2 });

    await handle.db
      .insert(verificationTokens)
      .values({ identifier: "late@example.com", token: "t-late", expires: new Date(clock().getTime() - 1) });
    await runner.send([tokensPurgeRequested.create({ reason: "admin" })]);
    await runner.drain();
    const runs = await handle.db
      .select()
      .from(jobRuns)
      .where(eq(jobRuns.functionId, "optin-manager-purge-expired-tokens"));
    expect(runs).toHaveLength(2);
    expect(runs.find((r) => r.event.name === "auth/tokens.purge.requested")?.output).toEqual({
      verificationTokens: 1,
      invitations: 0,
    });
    await runner.stop();
  });

  it("rejects an event whose data does not match the event schema", async () => {
    const runner = createJobRunner({ handle, clock: fixedClock(NOW), functions: [purgeExpiredTokensFunction] });
    await expect(runner.send([tokensPurgeRequested.create({ reason: 42 as unknown as string })])).rejects.toThrow();
    expect(await handle.db.select().from(jobRuns)).toHaveLength(0);
  });
});
