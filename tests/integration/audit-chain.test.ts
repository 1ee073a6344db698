import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle, Queryable } from "@/db/client";
import { auditLog } from "@/db/schema";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { randomBytes } from "node:crypto";
import { asc, eq, sql } from "drizzle-orm";
import { auditKeyRingFrom, computeAuditHash, defaultAuditKeyRing } from "@/server/services/audit/audit-hash";
import { verifyAuditChain } from "@/server/services/audit/verify-audit-chain";
import { writeAudit } from "@/server/services/audit/write-audit";
import { createMember, createWorkspace, systemContext } from "@/tests/factories";
import { createTestDb, testDatabaseKind } from "@/tests/helpers/db";

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle.close();
});

async function chainOf(db: Queryable, workspaceId: string) {
  return db.select().from(auditLog).where(eq(auditLog.workspaceId, workspaceId)).orderBy(asc(auditLog.seq));
}

/** Appends `count` rows to a fresh workspace's chain and returns the workspace and its rows. */
async function workspaceWithRows(count: number) {
  const ws = await createWorkspace(handle.db);
  const ctx = systemContext(handle.db, ws.id);
  for (let i = 0; i < count; i++) {
    await writeAudit(handle.db, ctx, {
      action: "test.step",
      targetType: "thing",
      targetId: `t${i}`,
      after: { step: i, nested: { b: 1, a: [i] } },
    });
  }
  return { ws, rows: await chainOf(handle.db, ws.id) };
}

/** What a superuser can do behind the trigger's back: the attack the hash chain exists to detect. */
async function tamper(work: (tx: Queryable) => Promise<unknown>) {
  await handle.db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
    await work(tx);
    await tx.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
  });
}

/** The database's own message, under the driver's or Drizzle's wrapper. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return `${(error as Error).message} ${cause?.message ?? ""}`;
  }
  throw new Error("expected the database to refuse the statement");
}

describe("audit hash chain", () => {
  it("links each row to the previous row of its own workspace, one chain per workspace", async () => {
    const a = await createWorkspace(handle.db);
    const b = await createWorkspace(handle.db);
    const owner = await createMember(handle.db, a.id, "owner");
    await createApiKey({ ctx: owner.ctx, input: { name: "Shop", scopes: ["admin"] } });
    await writeAudit(handle.db, systemContext(handle.db, b.id), { action: "test.b1" });
    await writeAudit(handle.db, systemContext(handle.db, a.id), {
      action: "test.a2",
      before: { flag: false },
      after: { flag: true },
    });
    await writeAudit(handle.db, systemContext(handle.db, b.id), { action: "test.b2" });

    const chainA = await chainOf(handle.db, a.id);
    const chainB = await chainOf(handle.db, b.id);
    expect(chainA.map((r) => r.action)).toEqual(["api_key.created", "test.a2"]);
    expect(chainA[0]).toMatchObject({ prevHash: null, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(chainA[1]!.prevHash).toBe(chainA[0]!.hash);
    expect(chainB[0]!.prevHash).toBeNull();
    expect(chainB[1]!.prevHash).toBe(chainB[0]!.hash);

    expect(await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: a.id } })).toMatchObject({
      ok: true,
      rows: 2,
    });
    expect(await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: b.id } })).toMatchObject({
      ok: true,
      rows: 2,
    });
  });

  it("keeps rows without a workspace in a chain of their own", async () => {
    const ctx = { actor: { type: "system" as const, job: "test" }, now: () => new Date(), workspaceId: null };
    await writeAudit(handle.db, ctx, {
      action: "test.global1",
      after: { when: new Date("2026-01-02T03:04:05.678Z"), skipped: undefined },
    });
    await writeAudit(handle.db, ctx, { action: "test.global2" });

    const result = await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: null } });
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.rows).toBeGreaterThanOrEqual(2);
  });

  it("serializes 20 concurrent writers in one workspace into a single valid chain", async () => {
    const ws = await createWorkspace(handle.db);
    const ctx = systemContext(handle.db, ws.id);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        handle.db.transaction(async (tx) => {
          await writeAudit(tx, ctx, { action: "test.concurrent", targetId: String(i) });
          // Hold the chain a moment so the writers really overlap on PostgreSQL.
          if (testDatabaseKind() === "postgres") await tx.execute(sql`select pg_sleep(0.005)`);
        }),
      ),
    );

    const rows = await chainOf(handle.db, ws.id);
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(20);
    expect(await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } })).toMatchObject({
      ok: true,
      rows: 20,
    });
  });

  it("rolls the audit row back with the transaction that wrote it, leaving the chain intact", async () => {
    const { ws } = await workspaceWithRows(1);
    await expect(
      handle.db.transaction(async (tx) => {
        await writeAudit(tx, systemContext(tx, ws.id), { action: "test.rolled_back" });
        throw new Error("change failed");
      }),
    ).rejects.toThrow("change failed");
    await writeAudit(handle.db, systemContext(handle.db, ws.id), { action: "test.after_rollback" });
    expect(await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } })).toMatchObject({
      ok: true,
      rows: 2,
    });
  });

  it("accepts rows older than the chain only before its first hashed row", async () => {
    const ws = await createWorkspace(handle.db);
    const legacy = { workspaceId: ws.id, actorType: "system", action: "test.legacy" };
    await handle.db.insert(auditLog).values(legacy);
    await writeAudit(handle.db, systemContext(handle.db, ws.id), { action: "test.chained" });
    expect(await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } })).toMatchObject({
      ok: true,
      chains: [{ rows: 2, legacyRows: 1 }],
    });

    await handle.db.insert(auditLog).values(legacy);
    const rows = await chainOf(handle.db, ws.id);
    expect(await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } })).toMatchObject({
      ok: false,
      brokenAtSeq: rows[2]!.seq,
      reason: "hash_mismatch",
    });
  });

  it("the database refuses UPDATE, DELETE and TRUNCATE on the audit log", async () => {
    const { rows } = await workspaceWithRows(1);
    const id = rows[0]!.id;
    expect(await refusal(handle.db.update(auditLog).set({ action: "edited" }).where(eq(auditLog.id, id)))).toMatch(
      /append-only: UPDATE refused/,
    );
    expect(await refusal(handle.db.delete(auditLog).where(eq(auditLog.id, id)))).toMatch(/append-only: DELETE refused/);
    expect(await refusal(handle.db.execute(sql`truncate audit_log`))).toMatch(/append-only: TRUNCATE refused/);
    expect(await chainOf(handle.db, rows[0]!.workspaceId!)).toEqual(rows);
  });

  it("reports an edited row as the first broken link", async () => {
    const { ws, rows } = await workspaceWithRows(5);
    await tamper((tx) =>
      tx
        .update(auditLog)
        .set({ after: { step: 99, nested: { b: 1, a: [2] } } })
        .where(eq(auditLog.id, rows[2]!.id)),
    );

    const result = await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } });
    expect(result).toMatchObject({ ok: false, workspaceId: ws.id, brokenAtSeq: rows[2]!.seq, reason: "hash_mismatch" });
  });

  it("reports the row after an edited-and-rehashed row as the first broken link", async () => {
    const { ws, rows } = await workspaceWithRows(4);
    const forged = { ...rows[1]!, after: { step: 99 } };
    await tamper((tx) =>
      tx
        .update(auditLog)
        .set({ after: forged.after, hash: computeAuditHash(forged) })
        .where(eq(auditLog.id, forged.id)),
    );

    const result = await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } });
    expect(result).toMatchObject({ ok: false, brokenAtSeq: rows[2]!.seq, reason: "prev_hash_mismatch" });
  });

  it("reports the row after a deleted middle row as the first broken link", async () => {
    const { ws, rows } = await workspaceWithRows(5);
    await tamper((tx) => tx.delete(auditLog).where(eq(auditLog.id, rows[2]!.id)));

    const result = await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } });
    expect(result).toMatchObject({
      ok: false,
      workspaceId: ws.id,
      brokenAtSeq: rows[3]!.seq,
      reason: "prev_hash_mismatch",
    });
  });

  it("signs every new row with the audit key of the current ENCRYPTION_KEYS entry", async () => {
    const { rows } = await workspaceWithRows(2);
    const ring = defaultAuditKeyRing();
    for (const row of rows) {
      expect(row.hashKeyId).toBe(ring.current.id);
      expect(row.hash).toBe(computeAuditHash(row, ring));
    }
  });

  it("catches a row rewritten and the whole chain after it recomputed by someone without the key", async () => {
    const { ws, rows } = await workspaceWithRows(5);
    // The attacker can read the code and the table, disable the trigger, and guess any key but ours.
    const guessed = auditKeyRingFrom([{ id: rows[0]!.hashKeyId!, key: randomBytes(32) }]);
    await tamper(async (tx) => {
      let prevHash = rows[1]!.hash;
      for (const original of rows.slice(2)) {
        const forged = { ...original, prevHash, after: original.seq === rows[2]!.seq ? { step: 99 } : original.after };
        const hash = computeAuditHash(forged, guessed);
        await tx.update(auditLog).set({ after: forged.after, prevHash, hash }).where(eq(auditLog.id, original.id));
        prevHash = hash;
      }
    });
    expect(await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } })).toMatchObject({
      ok: false,
      brokenAtSeq: rows[2]!.seq,
      reason: "hash_mismatch",
    });
  });

  it("catches a rewritten chain downgraded to unkeyed SHA-256 hashes", async () => {
    const { ws, rows } = await workspaceWithRows(4);
    await tamper(async (tx) => {
      let prevHash = rows[0]!.hash;
      for (const original of rows.slice(1)) {
        const forged = { ...original, prevHash, hashKeyId: null, requestId: "forged" };
        const hash = computeAuditHash(forged);
        await tx
          .update(auditLog)
          .set({ requestId: "forged", prevHash, hash, hashKeyId: null })
          .where(eq(auditLog.id, original.id));
        prevHash = hash;
      }
    });
    expect(await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } })).toMatchObject({
      ok: false,
      brokenAtSeq: rows[1]!.seq,
      reason: "hash_mismatch",
    });
  });

  it("accepts unkeyed rows from before the chain was keyed only ahead of the first keyed row, and verifies after a key rotation", async () => {
    const ws = await createWorkspace(handle.db);
    const old = {
      id: crypto.randomUUID(),
      workspaceId: ws.id,
      actorType: "system",
      actorId: null,
      action: "test.unkeyed",
      targetType: null,
      targetId: null,
      before: null,
      after: null,
      requestId: null,
      createdAt: new Date(),
      prevHash: null,
      hashKeyId: null,
    };
    await handle.db.insert(auditLog).values({ ...old, hash: computeAuditHash(old) });
    await writeAudit(handle.db, systemContext(handle.db, ws.id), { action: "test.keyed" });
    expect(await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } })).toMatchObject({
      ok: true,
      chains: [{ rows: 2, unkeyedRows: 1 }],
    });

    // A rotation puts a new key first; the retired one stays listed, so both generations verify.
    const current = defaultAuditKeyRing();
    const rotated = auditKeyRingFrom([{ id: "rotated", key: randomBytes(32) }]);
    const both = { current: rotated.current, byId: new Map([...current.byId, ...rotated.byId]) };
    const rows = await chainOf(handle.db, ws.id);
    const next = {
      ...old,
      id: crypto.randomUUID(),
      action: "test.after_rotation",
      prevHash: rows[1]!.hash,
      hashKeyId: "rotated",
    };
    await handle.db.insert(auditLog).values({ ...next, hash: computeAuditHash(next, both) });
    expect(await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id, ring: both } })).toMatchObject(
      { ok: true, chains: [{ rows: 3 }] },
    );
    // Without the rotated key listed, its row cannot be checked and is reported as such.
    const withoutRotated = await verifyAuditChain({ ctx: { db: handle.db }, input: { workspaceId: ws.id } });
    expect(withoutRotated).toMatchObject({ ok: false, reason: "unknown_key" });
  });

  it("walks every chain, page by page, and names the first broken one", async () => {
    const fresh = await createTestDb();
    try {
      const good = await createWorkspace(fresh.db);
      const bad = await createWorkspace(fresh.db);
      const goodCtx = systemContext(fresh.db, good.id);
      for (let i = 0; i < 7; i++) await writeAudit(fresh.db, goodCtx, { action: "test.bulk", targetId: String(i) });
      for (let i = 0; i < 4; i++)
        await writeAudit(fresh.db, systemContext(fresh.db, bad.id), { action: "test.bad", targetId: String(i) });
      await writeAudit(
        fresh.db,
        { actor: { type: "system" }, now: () => new Date(), workspaceId: null },
        { action: "test.global" },
      );

      // Pages of 3 rows: every chain but the global one spans more than one page.
      const intact = await verifyAuditChain({ ctx: { db: fresh.db }, input: { pageSize: 3 } });
      expect(intact).toMatchObject({ ok: true, rows: 7 + 4 + 1 });
      expect(intact.chains.map((c) => c.workspaceId).sort()).toEqual([bad.id, good.id, null].sort());

      const fourth = (await chainOf(fresh.db, bad.id))[3]!;
      await fresh.db.transaction(async (tx) => {
        await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
        await tx.update(auditLog).set({ requestId: "forged" }).where(eq(auditLog.id, fourth.id));
        await tx.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
      });
      const broken = await verifyAuditChain({ ctx: { db: fresh.db }, input: { pageSize: 3 } });
      expect(broken).toMatchObject({
        ok: false,
        workspaceId: bad.id,
        brokenAtSeq: fourth.seq,
        reason: "hash_mismatch",
      });
      expect(broken.chains.find((c) => c.workspaceId === good.id)).toMatchObject({ ok: true, rows: 7 });
    } finally {
      await fresh.close();
    }
  });
});
