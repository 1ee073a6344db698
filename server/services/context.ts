import type { Database, Queryable } from "@/db/client";
import type { ApiKeyScope, Role } from "@/db/schema";

export { API_KEY_SCOPES, ROLES } from "@/db/schema";
export type { ApiKeyScope, Role, Database, Queryable };
import type { Clock } from "@/server/lib/clock";

/** Who is acting; the audit row names it. */
export type Actor =
  | { type: "user"; userId: string; role: Role }
  | { type: "apiKey"; apiKeyId: string; scopes: ApiKeyScope[] }
  | { type: "contact"; contactId: string }
  | { type: "provider"; provider: "twilio" | "resend" }
  | { type: "system"; job?: string };

/** What every workspace-scoped service verb receives. */
export interface ServiceContext {
  db: Queryable;
  workspaceId: string;
  actor: Actor;
  now: Clock;
  /** Correlates log lines and audit rows of one request or job run. */
  requestId?: string;
}

/** For verbs that run before a workspace is known (bootstrap, sign-in, invitation acceptance). */
export interface SystemContext {
  db: Queryable;
  actor: Actor;
  now: Clock;
  requestId?: string;
}

export function actorId(actor: Actor): string | null {
  switch (actor.type) {
    case "user":
      return actor.userId;
    case "apiKey":
      return actor.apiKeyId;
    case "contact":
      return actor.contactId;
    case "provider":
      return actor.provider;
    case "system":
      return actor.job ?? null;
  }
}

const ROLE_RANK: Record<Role, number> = { viewer: 0, marketer: 1, admin: 2, owner: 3 };

export function hasRole(role: Role, minimum: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[minimum];
}

export function hasScope(scopes: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  return scopes.includes("admin") || scopes.includes(needed);
}

/** Runs `work` in a transaction unless `ctx.db` already is one. */
export async function inTransaction<T>(db: Queryable, work: (tx: Queryable) => Promise<T>): Promise<T> {
  if ("rollback" in db) return work(db);
  return db.transaction((tx) => work(tx));
}
