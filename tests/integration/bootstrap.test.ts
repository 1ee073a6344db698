import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { apiKeys, auditLog, memberships, workspaces } from "@/db/schema";
import { authenticateApiKey } from "@/server/services/api-keys/authenticate-api-key";
import { ensureBootstrap } from "@/server/services/bootstrap/ensure-bootstrap";
import { countUsersByEmail } from "@/server/services/bootstrap/queries";
import { signInWithPassword } from "@/server/services/auth/sign-in-with-password";
import { systemClock } from "@/server/lib/clock";
import { createTestDb } from "@/tests/helpers/db";

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle.close();
});

const input = { adminEmail: "Owner@Example.com", defaultRegion: "GB" };
const BOOTSTRAP_KEY = "om_bootstrap_test_key_0123456789abcdefXYZ";

describe("bootstrap", () => {
  it("creates the default workspace and an owner with a generated password, once", async () => {
    const first = await ensureBootstrap({ ctx: { db: handle.db, now: systemClock }, input });
    expect(first.adminCreated).toBe(true);
    expect(first.generatedPassword).toMatch(/^\S{12,}$/);
    expect(first.adminEmail).toBe("owner@example.com");

    const second = await ensureBootstrap({ ctx: { db: handle.db, now: systemClock }, input });
    expect(second.adminCreated).toBe(false);
    expect(second.generatedPassword).toBeUndefined();
    expect(second.workspaceId).toBe(first.workspaceId);
    expect(second.adminUserId).toBe(first.adminUserId);

    expect(await countUsersByEmail(handle.db, "owner@example.com")).toBe(1);
    expect(await handle.db.select().from(workspaces).where(eq(workspaces.isDefault, "default"))).toHaveLength(1);
    const [membership] = await handle.db.select().from(memberships).where(eq(memberships.userId, first.adminUserId));
    expect(membership?.role).toBe("owner");

    // The printed password really signs in, and an existing admin's password is never reset.
    const ok = await signInWithPassword({
      ctx: { db: handle.db, now: systemClock },
      input: { credentials: { email: "owner@example.com", password: first.generatedPassword } },
    });
    expect(ok.ok).toBe(true);
  });

  it("survives concurrent starts without duplicates", async () => {
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        ensureBootstrap({
          ctx: { db: handle.db, now: systemClock },
          input: { ...input, adminEmail: "owner@example.com" },
        }),
      ),
    );
    expect(new Set(results.map((r) => r.workspaceId)).size).toBe(1);
    expect(await countUsersByEmail(handle.db, "owner@example.com")).toBe(1);
  });

  it("INIT_ADMIN_API_KEY makes a key with that exact secret and every scope, restored if revoked", async () => {
    const result = await ensureBootstrap({
      ctx: { db: handle.db, now: systemClock },
      input: { ...input, adminApiKey: BOOTSTRAP_KEY },
    });
    const key = await authenticateApiKey({
      ctx: { db: handle.db, now: systemClock },
      input: { secret: BOOTSTRAP_KEY },
    });
    expect(key?.workspaceId).toBe(result.workspaceId);
    expect(key?.scopes).toEqual([
      "contacts:read",
      "contacts:write",
      "contacts:erase",
      "consent:write",
      "messages:send",
      "campaigns:read",
      "campaigns:write",
      "admin",
    ]);

    await handle.db
      .update(apiKeys)
      .set({ revokedAt: new Date(), scopes: ["contacts:read"] })
      .where(eq(apiKeys.id, key!.apiKeyId));
    expect(
      await authenticateApiKey({ ctx: { db: handle.db, now: systemClock }, input: { secret: BOOTSTRAP_KEY } }),
    ).toBeNull();
    await ensureBootstrap({
      ctx: { db: handle.db, now: systemClock },
      input: { ...input, adminApiKey: BOOTSTRAP_KEY },
    });
    const restored = await authenticateApiKey({
      ctx: { db: handle.db, now: systemClock },
      input: { secret: BOOTSTRAP_KEY },
    });
    expect(restored?.apiKeyId).toBe(key!.apiKeyId);
    expect(restored?.scopes).toContain("admin");
    const keys = await handle.db.select().from(apiKeys).where(eq(apiKeys.workspaceId, result.workspaceId));
    expect(keys).toHaveLength(1);
  });

  it("writes an audit row for the bootstrapped owner", async () => {
    const rows = await handle.db.select().from(auditLog).where(eq(auditLog.action, "member.bootstrapped"));
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0]!.actorType).toBe("system");
  });
});
