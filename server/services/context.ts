import type { Database, Queryable } from "@/db/client";
import type { ApiKeyScope, Role } from "@/db/schema";

export { API_KEY_SCOPES, ROLES } from "@/db/schema";
export type { ApiKeyScope, Role, Database, Queryable };
import type { Clock } from "@/server/lib/clock";
import { forbidden } from "@/server/lib/errors";
import type { Outbox } from "./messages/outbox";

export type { Outbox };

/** Who is acting; the audit row names it. */
export type Actor =
  | { type: "user"; userId: string; role: Role }
  | { type: "apiKey"; apiKeyId: string; scopes: ApiKeyScope[] }
  | { type: "contact"; contactId: string }
  | { type: "provider"; provider: string }
  | { type: "system"; job?: string };

/** What every workspace-scoped service verb receives. */
export interface ServiceContext {
  db: Queryable;
  workspaceId: string;
  actor: Actor;
  now: Clock;
  /** Correlates log lines and audit rows of one request or job run. */
  requestId?: string;
  /**
   * The process's outbox (transports, dispatcher, final-failure handling), built once at start-up
   * by `server/wiring.ts` and passed down by whoever creates the context (tRPC, REST, route
   * handlers, jobs). Verbs that send or deliver take a `SendingContext`, where it is required.
   */
  outbox?: Outbox;
}

/** A context that may hand messages to providers: the outbox is there. */
export type SendingContext = ServiceContext & { outbox: Outbox };

/**
 * For verbs reached before any workspace is known: a contact's signed link or code, a form
 * submission, a provider's webhook. The verb learns the workspace from what it reads (the token,
 * the form, the event) and derives a ServiceContext from it.
 */
export interface PublicContext {
  db: Queryable;
  now: Clock;
  requestId?: string;
  /** Where a message the call starts (a double opt-in, a fallback) is handed over. */
  outbox?: Outbox;
}

/** A public context that may send or receive provider calls: the outbox is there. */
export type SendingPublicContext = PublicContext & { outbox: Outbox };

/** What a background job's verb receives: no workspace (the job reaches across them), no actor beyond the system. */
export interface JobContext {
  db: Queryable;
  now: Clock;
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

/**
 * What a service asks of its caller when an input field widens what the call reaches (a preview
 * rendered for a real contact, a consent column in an import, a recipient-address filter): an
 * API key needs `scope`, a member needs at least `role`. The procedure tier already checked the
 * call's own scope or role; this is the second, field-level check.
 */
export interface AccessRule {
  scope: ApiKeyScope;
  role: Role;
  /** What needs it, for the refusal message (never personal data). */
  what?: string;
}

/**
 * Whether the actor may do what `rule` guards. Contacts (signed links), providers (webhooks) and
 * the system (jobs) act only through verbs that already bound what they reach, so they pass.
 */
export function can(ctx: Pick<ServiceContext, "actor">, rule: Pick<AccessRule, "scope" | "role">): boolean {
  const { actor } = ctx;
  if (actor.type === "apiKey") return hasScope(actor.scopes, rule.scope);
  if (actor.type === "user") return hasRole(actor.role, rule.role);
  return true;
}

/** `can`, or FORBIDDEN naming the missing scope or role (the message never carries personal data). */
export function requireAccess(ctx: Pick<ServiceContext, "actor">, rule: AccessRule): void {
  if (can(ctx, rule)) return;
  const why = rule.what ? ` (needed for ${rule.what})` : "";
  throw forbidden(
    ctx.actor.type === "apiKey"
      ? `This API key lacks the "${rule.scope}" scope${why}`
      : `This needs the ${rule.role} role or higher${why}`,
  );
}

/** Runs `work` in a transaction unless `ctx.db` already is one. */
export async function inTransaction<T>(db: Queryable, work: (tx: Queryable) => Promise<T>): Promise<T> {
  if ("rollback" in db) return work(db);
  return db.transaction((tx) => work(tx));
}
