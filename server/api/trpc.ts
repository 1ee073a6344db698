/**
 * tRPC set-up in three sections: (1) context, (2) init with the error formatter,
 * (3) procedure tiers named after who may call them.
 */
import { randomUUID } from "node:crypto";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import type { OpenApiMeta } from "trpc-to-openapi";
import { getDbHandle } from "@/server/lib/db";
import { systemClock, type Clock } from "@/server/lib/clock";
import { invalid } from "@/server/lib/errors";
import { logger } from "@/server/lib/logger";
import { fieldErrorsOf, installErrorMessages, issueSummary } from "@/server/shared/error-messages";
import { controlCharacterMessage, findControlCharacter } from "@/server/lib/text";
import { authenticateApiKey, type AuthenticatedApiKey } from "@/server/services/api-keys";
import { resolveSessionMembership, type SessionMembership } from "@/server/services/auth";
import {
  hasRole,
  hasScope,
  type ApiKeyScope,
  type Database,
  type Outbox,
  type Role,
  type SendingContext,
  type ServiceContext,
} from "@/server/services/context";
import { getOutbox } from "@/server/wiring";
import { toTRPCError, zodIssues } from "./errors";

// ─── 1. Context ──────────────────────────────────────────────────────────────

export type RequestAuth =
  | { kind: "anonymous" }
  | { kind: "invalid_key" }
  | { kind: "apiKey"; key: AuthenticatedApiKey }
  | { kind: "session"; membership: SessionMembership };

export interface TrpcContext {
  db: Database;
  now: Clock;
  /** The process's outbox (`server/wiring.ts`), passed to every service context. */
  outbox: Outbox;
  requestId: string;
  auth: RequestAuth;
  headers: Headers;
  /**
   * Re-issues the caller's session cookie at a new `users.session_version` (after a password
   * change ends the user's other sessions). Only the tRPC route handler, which can set cookies,
   * provides it.
   */
  renewSession?: (userId: string, sessionVersion: number) => Promise<void>;
}

export function bearerToken(headers: Headers): string | null {
  const header = headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1]!.trim() : "";
}

/** Resolves the caller from a Bearer API key (REST and tRPC) or, where allowed, the session. */
export async function resolveRequestAuth({
  db,
  headers,
  now,
  getSessionUserId,
  requestedWorkspaceId,
}: {
  db: Database;
  headers: Headers;
  now: Clock;
  getSessionUserId?: () => Promise<string | null>;
  requestedWorkspaceId?: string | null;
}): Promise<RequestAuth> {
  const token = bearerToken(headers);
  if (token !== null) {
    const key = token ? await authenticateApiKey({ ctx: { db, now }, input: { secret: token } }) : null;
    return key ? { kind: "apiKey", key } : { kind: "invalid_key" };
  }
  const userId = getSessionUserId ? await getSessionUserId() : null;
  if (!userId) return { kind: "anonymous" };
  const membership = await resolveSessionMembership(db, userId, requestedWorkspaceId);
  return membership ? { kind: "session", membership } : { kind: "anonymous" };
}

export async function createTrpcContext(opts: {
  headers: Headers;
  auth?: RequestAuth;
  getSessionUserId?: () => Promise<string | null>;
  requestedWorkspaceId?: string | null;
  now?: Clock;
  outbox?: Outbox;
  renewSession?: TrpcContext["renewSession"];
}): Promise<TrpcContext> {
  const { db } = await getDbHandle();
  const now = opts.now ?? systemClock;
  const auth =
    opts.auth ??
    (await resolveRequestAuth({
      db,
      headers: opts.headers,
      now,
      getSessionUserId: opts.getSessionUserId,
      requestedWorkspaceId: opts.requestedWorkspaceId,
    }));
  return {
    db,
    now,
    outbox: opts.outbox ?? getOutbox(),
    auth,
    headers: opts.headers,
    requestId: opts.headers.get("x-request-id") ?? randomUUID(),
    ...(opts.renewSession ? { renewSession: opts.renewSession } : {}),
  };
}

// ─── 2. Init ─────────────────────────────────────────────────────────────────

export type Meta = OpenApiMeta;

// Validation messages in sentences ("Name is required", "Use at most 100 characters") for every
// schema parsed in this process from here on: procedure inputs and the services they call.
installErrorMessages();

const t = initTRPC
  .context<TrpcContext>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    /**
     * Every error's shape: a readable `message` (for validation errors, the issues as sentences,
     * never zod's JSON), and in `data` the field it is about, `fieldErrors` (field path joined with
     * "." → its first message) and the `issues` (path and message, never the refused value).
     */
    errorFormatter({ shape, error }) {
      const issues = error.code === "BAD_REQUEST" ? zodIssues(error) : undefined;
      const internal = error.code === "INTERNAL_SERVER_ERROR";
      const appField = internal ? undefined : (error.cause as { field?: string } | undefined)?.field;
      const field = issues?.[0]?.path.join(".") || appField;
      const fieldErrors = issues ? fieldErrorsOf(issues) : appField ? { [appField]: shape.message } : undefined;
      return {
        message: internal ? "Internal server error" : issues ? issueSummary(issues) : shape.message,
        code: shape.code,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          ...(field ? { field } : {}),
          ...(fieldErrors ? { fieldErrors } : {}),
          ...(issues ? { issues } : {}),
        },
      };
    },
  });

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Maps domain errors once and logs unexpected ones (without input: it may hold PII). */
const errorMapping = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (result.ok) return result;
  // Errors thrown by a resolver arrive as INTERNAL_SERVER_ERROR wrapping the original.
  const original =
    result.error.code === "INTERNAL_SERVER_ERROR" && result.error.cause ? result.error.cause : result.error;
  const mapped = toTRPCError(original);
  if (mapped.code === "INTERNAL_SERVER_ERROR") {
    logger.error({ err: original, path, requestId: ctx.requestId }, "procedure failed");
  }
  return { ...result, error: mapped };
});

/**
 * Refuses control characters in every string of the input, before the procedure's own schema and
 * before any work: 400 naming the field (`firstName contains a control character`). Tab, CR and LF
 * pass only in fields that hold lines (server/lib/text.ts lists them). Runs after the tier's auth
 * check, so a refused caller learns nothing about input validity.
 */
const refuseControlCharacters = t.middleware(async ({ next, getRawInput }) => {
  const field = findControlCharacter(await getRawInput());
  if (field) throw invalid(controlCharacterMessage(field), field);
  return next();
});

// ─── 3. Procedure tiers ──────────────────────────────────────────────────────

const baseProcedure = t.procedure.use(errorMapping);

/** Anyone. */
export const publicProcedure = baseProcedure.use(refuseControlCharacters);

function serviceContext(ctx: TrpcContext, workspaceId: string, actor: ServiceContext["actor"]): SendingContext {
  return { db: ctx.db, workspaceId, actor, now: ctx.now, requestId: ctx.requestId, outbox: ctx.outbox };
}

function unauthorized(): TRPCError {
  return new TRPCError({
    code: "UNAUTHORIZED",
    message: "Sign in, or send a valid API key as `Authorization: Bearer <key>`",
  });
}

/** A signed-in member of the current workspace with at least `minimum` role (admin UI only). */
export function memberProcedure(minimum: Role) {
  return baseProcedure
    .use(({ ctx, next }) => {
      if (ctx.auth.kind !== "session") throw unauthorized();
      const { membership } = ctx.auth;
      if (!hasRole(membership.role, minimum)) {
        throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${minimum} role or higher` });
      }
      return next({
        ctx: {
          membership,
          svc: serviceContext(ctx, membership.workspace.id, {
            type: "user",
            userId: membership.user.id,
            role: membership.role,
          }),
        },
      });
    })
    .use(refuseControlCharacters);
}

/** An API key with `scope` (or `admin`). */
export function apiKeyProcedure(scope: ApiKeyScope) {
  return workspaceProcedure({ scope, role: "owner", allowSession: false });
}

/**
 * Either a member with at least `role` or an API key with `scope`: the same procedure serves the
 * admin UI and the REST API.
 */
export function workspaceProcedure({
  scope,
  role,
  allowSession = true,
}: {
  /** null: any valid key of the workspace; a list: any one of these scopes. */
  scope: ApiKeyScope | readonly ApiKeyScope[] | null;
  role: Role;
  allowSession?: boolean;
}) {
  return baseProcedure
    .use(({ ctx, next }) => {
      const auth = ctx.auth;
      if (auth.kind === "apiKey") {
        const accepted = scope === null ? [] : typeof scope === "string" ? [scope] : scope;
        if (accepted.length > 0 && !accepted.some((one) => hasScope(auth.key.scopes, one))) {
          const names = accepted.map((one) => `"${one}"`).join(" or ");
          throw new TRPCError({ code: "FORBIDDEN", message: `This API key lacks the ${names} scope` });
        }
        return next({
          ctx: {
            svc: serviceContext(ctx, auth.key.workspaceId, {
              type: "apiKey",
              apiKeyId: auth.key.apiKeyId,
              scopes: auth.key.scopes,
            }),
          },
        });
      }
      if (auth.kind === "session" && allowSession) {
        if (!hasRole(auth.membership.role, role)) {
          throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${role} role or higher` });
        }
        return next({
          ctx: {
            svc: serviceContext(ctx, auth.membership.workspace.id, {
              type: "user",
              userId: auth.membership.user.id,
              role: auth.membership.role,
            }),
          },
        });
      }
      throw unauthorized();
    })
    .use(refuseControlCharacters);
}
