import { randomUUID } from "node:crypto";
import type { Queryable } from "@/db/client";
import { apiKeys, memberships, users, workspaces, type ApiKeyScope, type Role } from "@/db/schema";
import { hashPassword, sha256Hex } from "@/server/lib/hashing";
import { generateApiKeySecret, apiKeyPrefix } from "@/server/services/api-keys/secret";
import type { Actor, SendingContext } from "@/server/services/context";
import { systemClock, type Clock } from "@/server/lib/clock";
import { getOutbox } from "@/server/wiring";

export async function createWorkspace(db: Queryable, overrides: Partial<typeof workspaces.$inferInsert> = {}) {
  const suffix = randomUUID().slice(0, 8);
  const [row] = await db
    .insert(workspaces)
    .values({ name: `Workspace ${suffix}`, slug: `ws-${suffix}`, ...overrides })
    .returning();
  return row!;
}

export async function createUser(
  db: Queryable,
  overrides: Partial<typeof users.$inferInsert> & { password?: string } = {},
) {
  const { password, ...rest } = overrides;
  const [row] = await db
    .insert(users)
    .values({
      email: `user-${randomUUID().slice(0, 8)}@example.test`,
      name: "Test User",
      passwordHash: password ? await hashPassword(password) : null,
      ...rest,
    })
    .returning();
  return row!;
}

export async function addMember(db: Queryable, workspaceId: string, userId: string, role: Role) {
  await db.insert(memberships).values({ workspaceId, userId, role });
}

/** A workspace member and the service context acting as them. */
export async function createMember(
  db: Queryable,
  workspaceId: string,
  role: Role,
  overrides: { email?: string; password?: string } = {},
) {
  const user = await createUser(db, overrides);
  await addMember(db, workspaceId, user.id, role);
  return { user, ctx: memberContext(db, workspaceId, user.id, role) };
}

/** A member's service context, with the process's outbox (the installed one in send tests). */
export function memberContext(
  db: Queryable,
  workspaceId: string,
  userId: string,
  role: Role,
  now: Clock = systemClock,
): SendingContext {
  return { db, workspaceId, actor: { type: "user", userId, role }, now, outbox: getOutbox() };
}

/** The system's service context, with the process's outbox (the installed one in send tests). */
export function systemContext(
  db: Queryable,
  workspaceId: string,
  now: Clock = systemClock,
  actor: Actor = { type: "system" },
): SendingContext {
  return { db, workspaceId, actor, now, outbox: getOutbox() };
}

/** Inserts a key directly and returns its secret. */
export async function createApiKeyFor(db: Queryable, workspaceId: string, scopes: ApiKeyScope[], name = "test key") {
  const secret = generateApiKeySecret();
  const [row] = await db
    .insert(apiKeys)
    .values({ workspaceId, name, prefix: apiKeyPrefix(secret), keyHash: sha256Hex(secret), scopes })
    .returning();
  return { secret, key: row! };
}
