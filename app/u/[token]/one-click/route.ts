import { ZodError } from "zod";
import { AppError } from "@/server/lib/errors";
import { openLinkContext, requestEvidence } from "@/server/lib/link-request";
import { logger } from "@/server/lib/logger";
import { unsubscribeOneClick } from "@/server/services/preferences";
import { withinBodyLimit } from "@/server/lib/body-limits";

export const dynamic = "force-dynamic";

/**
 * `POST /u/{token}` lands here: proxy.ts rewrites every POST to `/u/{token}` that is not a Server
 * Action, because a page and a route handler cannot share one segment.
 *
 * - RFC 8058 one-click (`List-Unsubscribe=One-Click`, form-encoded or multipart): no cookie or
 *   session; 200 and the contact is opted out of the token's topic on its channel. Any POST body
 *   is accepted: an unsubscribe request is honoured even from a sloppy client.
 * - The unsubscribe page's own forms add `via=page` (and `reason=` for "why are you leaving?"):
 *   303 back to the page, which then shows the confirmation (Post/Redirect/Get).
 * - Tampered, foreign or expired token → 404 and nothing changes.
 */
async function post(request: Request, { params }: { params: Promise<{ token: string }> }): Promise<Response> {
  const { token } = await params;
  const form = await readForm(request);
  const isFromPage = form?.get("via") === "page";
  const reason = form?.get("reason");
  try {
    const link = await openLinkContext(request.headers);
    await unsubscribeOneClick({
      ctx: link,
      input: {
        token,
        reason: typeof reason === "string" ? reason : undefined,
        evidence: requestEvidence(request.headers),
      },
    });
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") return text(404, "This link is not valid.");
    if (error instanceof ZodError) return text(400, readableIssue(error));
    if (error instanceof AppError && error.code === "INVALID") return text(400, "The request could not be read.");
    logger.error({ err: error }, "one-click unsubscribe failed");
    return text(500, "Something went wrong. Please try again.");
  }
  if (isFromPage) {
    const query = typeof reason === "string" && reason.trim() ? "feedback=sent" : "done=1";
    // A relative Location keeps the redirect on the host the browser used (PUBLIC_URL or not).
    return new Response(null, {
      status: 303,
      headers: { location: `/u/${token}?${query}`, "cache-control": "no-store" },
    });
  }
  return text(200, "You have been unsubscribed.");
}

/** The issue's own message when it names its field (e.g. `reason contains a control character`). */
function readableIssue(error: ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.join(".");
  return issue && field && issue.message.startsWith(field) ? issue.message : "The request could not be read.";
}

async function readForm(request: Request): Promise<FormData | null> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) return null;
  try {
    return await request.formData();
  } catch {
    return null;
  }
}

function text(status: number, body: string): Response {
  return new Response(`${body}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "x-robots-tag": "noindex" },
  });
}

/** The body is read within the contact-page limit (64 KB); a larger one answers 413 before any work. */
export const POST = withinBodyLimit(post, { kind: "html" });
