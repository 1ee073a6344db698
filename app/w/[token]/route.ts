import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { escapeHtml } from "@/server/shared/html";
import { getWebVersion } from "@/server/services/messages";

export const dynamic = "force-dynamic";

/**
 * The web version's policy: the email's own inline styles and images (any https origin, as a
 * mail client shows them), nothing that runs or submits, no framing, sandboxed (links still open
 * at the reader's click). The URL is a capability: no referrer leaves it, nothing caches it.
 */
const WEB_VERSION_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src https: data:",
  "font-src https: data:",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation",
].join("; ");

const HEADERS = {
  "cache-control": "no-store",
  "content-security-policy": WEB_VERSION_POLICY,
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-robots-tag": "noindex, nofollow",
};

function page(status: number, title: string, text: string): Response {
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="margin:0;padding:48px 16px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#18181b;text-align:center"><h1 style="font-size:22px">${escapeHtml(title)}</h1><p style="color:#52525b">${escapeHtml(text)}</p></body></html>`,
    { status, headers: { ...HEADERS, "content-type": "text/html; charset=utf-8" } },
  );
}

/**
 * `GET /w/{token}`: an email's web version ("View in your browser"), the HTML recorded for that
 * message, rendered with its contact's data. Public, read-only (no unsubscribe or any other
 * change happens by opening it). 404 for an altered token or a message that is not an email;
 * 410 Gone once the contact was erased or the message's body is no longer kept.
 */
export async function GET(_request: Request, { params }: { params: Promise<{ token: string }> }): Promise<Response> {
  const { token } = await params;
  const { db } = await getDbHandle();
  const version = await getWebVersion({ ctx: { db, now: systemClock }, input: { token } });
  if (version.status === "not_found")
    return page(404, "Email not found", "This link is not valid. Check that it was copied whole.");
  if (version.status === "gone") return page(410, "This email is no longer available", "Its content has been removed.");
  return new Response(version.html, { headers: { ...HEADERS, "content-type": "text/html; charset=utf-8" } });
}
