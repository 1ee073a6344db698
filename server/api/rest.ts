import type { createOpenApiFetchHandler } from "trpc-to-openapi";
import { getDbHandle } from "@/server/lib/db";
import { systemClock } from "@/server/lib/clock";
import { issueSummary, type IssueLike } from "@/server/shared/error-messages";
import { getOpenApiDocument } from "./openapi";
import { appRouter } from "./root";
import { createTrpcContext, resolveRequestAuth } from "./trpc";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });

/**
 * `/api/v1/*`: every route needs `Authorization: Bearer <key>` (no session cookies: a
 * cookie-authenticated REST API would be open to CSRF). A missing or wrong key answers 401 before
 * any routing, so unknown paths do not leak which routes exist. The one exception is the OpenAPI
 * document (`GET /api/v1/openapi.json`): it describes the routes and holds no data, so it is
 * public, for API tools and the reference page.
 */
export async function handleRestRequest(
  req: Request,
  createHandler: typeof createOpenApiFetchHandler,
): Promise<Response> {
  const { pathname } = new URL(req.url);
  if (req.method === "GET" && pathname.replace(/\/+$/, "") === "/api/v1/openapi.json") {
    return json(200, getOpenApiDocument());
  }
  const { db } = await getDbHandle();
  const auth = await resolveRequestAuth({ db, headers: req.headers, now: systemClock });
  if (auth.kind !== "apiKey") {
    return json(
      401,
      { message: "Send a valid API key as `Authorization: Bearer <key>`", code: "UNAUTHORIZED" },
      { "www-authenticate": 'Bearer realm="optin-manager"' },
    );
  }
  const response = await createHandler({
    endpoint: "/api/v1",
    router: appRouter,
    req,
    createContext: () => createTrpcContext({ headers: req.headers, auth }),
  });
  const answer = await withReadableValidationMessage(response);
  answer.headers.set("cache-control", "no-store");
  return answer;
}

/** trpc-to-openapi's fixed message for invalid input; the body also carries the issues. */
const GENERIC_VALIDATION_MESSAGE = "Input validation failed";

/**
 * A 400 for invalid input keeps its body (`message`, `code`, `issues`), with `message` made of the
 * issues as sentences ("Name is required. Scopes: choose one of …") instead of the library's
 * generic text.
 */
async function withReadableValidationMessage(response: Response): Promise<Response> {
  if (response.status !== 400 || !(response.headers.get("content-type") ?? "").includes("json")) return response;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { message?: unknown; issues?: unknown } | null;
  if (!body || body.message !== GENERIC_VALIDATION_MESSAGE || !Array.isArray(body.issues)) return response;
  const issues = (body.issues as Partial<IssueLike>[]).filter(
    (issue): issue is IssueLike => Array.isArray(issue?.path) && typeof issue?.message === "string",
  );
  if (issues.length === 0) return response;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify({ ...body, message: issueSummary(issues) }), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
