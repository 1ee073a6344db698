import { cookies } from "next/headers";
import { auth } from "@/server/auth";
import { WORKSPACE_COOKIE } from "@/server/auth/workspace-cookie";
import { AppError } from "@/server/lib/errors";
import { hasRole, hasScope, type ApiKeyScope, type Role, type SendingContext } from "@/server/services/context";
import { createTrpcContext } from "./trpc";

const HTTP_STATUS: Record<AppError["code"], number> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  FORBIDDEN: 403,
  UNAUTHORIZED: 401,
  INVALID: 400,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

export const jsonError = (status: number, message: string, code: string) =>
  Response.json({ message, code }, { status, headers: { "cache-control": "no-store" } });

/** The one mapping of domain errors to a plain route handler's response (same codes as tRPC). */
export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return jsonError(HTTP_STATUS[error.code], error.message, error.code);
  return jsonError(500, "Internal server error", "INTERNAL_SERVER_ERROR");
}

/**
 * Authorises a non-tRPC route handler (streamed uploads and downloads) exactly like
 * `workspaceProcedure({ scope, role })`: a Bearer API key with `scope`, or a signed-in member with
 * at least `role` in the workspace of the session cookie. Session requests that change data must
 * come from our own origin (a cookie alone would otherwise allow cross-site POSTs).
 * Returns the service context, or the error response to send.
 */
export async function authorizeRoute(
  req: Request,
  { scope, role }: { scope: ApiKeyScope; role: Role },
): Promise<{ ok: true; ctx: SendingContext } | { ok: false; response: Response }> {
  const trpc = await createTrpcContext({
    headers: req.headers,
    getSessionUserId: async () => (await auth())?.user?.id ?? null,
    requestedWorkspaceId: (await cookies()).get(WORKSPACE_COOKIE)?.value ?? null,
  });
  const base = { db: trpc.db, now: trpc.now, requestId: trpc.requestId, outbox: trpc.outbox };
  const a = trpc.auth;
  if (a.kind === "apiKey") {
    if (!hasScope(a.key.scopes, scope))
      return { ok: false, response: jsonError(403, `This API key lacks the "${scope}" scope`, "FORBIDDEN") };
    return {
      ok: true,
      ctx: {
        ...base,
        workspaceId: a.key.workspaceId,
        actor: { type: "apiKey", apiKeyId: a.key.apiKeyId, scopes: a.key.scopes },
      },
    };
  }
  if (a.kind === "session") {
    if (req.method !== "GET" && !isSameOrigin(req))
      return { ok: false, response: jsonError(403, "Cross-site request refused", "FORBIDDEN") };
    if (!hasRole(a.membership.role, role))
      return { ok: false, response: jsonError(403, `This needs the ${role} role or higher`, "FORBIDDEN") };
    return {
      ok: true,
      ctx: {
        ...base,
        workspaceId: a.membership.workspace.id,
        actor: { type: "user", userId: a.membership.user.id, role: a.membership.role },
      },
    };
  }
  return {
    ok: false,
    response: jsonError(401, "Sign in, or send a valid API key as `Authorization: Bearer <key>`", "UNAUTHORIZED"),
  };
}

function isSameOrigin(req: Request): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site) return site === "same-origin";
  const origin = req.headers.get("origin");
  if (!origin) return false;
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
