import { requestEvidence, type RequestEvidence } from "./client-address";
import { getEnv } from "./env";

/**
 * HTTP helpers for the public pages a contact reaches (hosted forms, confirmation pages). They
 * are server-rendered HTML without scripts; these helpers set their security headers in one place.
 */

/**
 * `frameable`: hosted forms and the code page are meant to be embedded in an iframe on any site
 * (`frame-ancestors *`); everything else refuses framing (clickjacking of a "Confirm" button).
 */
export function htmlResponse(
  html: string,
  { status = 200, frameable = false }: { status?: number; frameable?: boolean } = {},
): Response {
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      // The page carries a one-time form token or reflects a secret URL: never cache it.
      "cache-control": "no-store",
      "content-security-policy": [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        // The workspace's logo: uploaded (`/brand/{id}/logo`, this site) or an https URL from settings.
        "img-src 'self' https: data:",
        "form-action 'self'",
        "base-uri 'none'",
        `frame-ancestors ${frameable ? "*" : "'none'"}`,
      ].join("; "),
      ...(frameable ? {} : { "x-frame-options": "DENY" }),
      "referrer-policy": frameable ? "strict-origin-when-cross-origin" : "no-referrer",
      "x-content-type-options": "nosniff",
    },
  });
}

/** 303 See Other to a path on this site (relative Location: stays on whatever host served the page). */
export function seeOther(path: string): Response {
  return new Response(null, { status: 303, headers: { location: path, "cache-control": "no-store" } });
}

/** Client address and user agent for the evidence (client-address.ts decides what to believe). */
export function clientMeta(request: Request): RequestEvidence {
  return requestEvidence(request.headers);
}

function originOf(value: string | null): string | null {
  if (!value || value === "null") return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/** Our own origins: PUBLIC_URL and the origin this request was addressed to. */
function ownOrigins(request: Request): Set<string> {
  const origins = new Set<string>([new URL(getEnv().PUBLIC_URL).origin]);
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (host) {
    const proto = request.headers.get("x-forwarded-proto") ?? new URL(request.url).protocol.replace(":", "");
    origins.add(`${proto}://${host}`);
  }
  return origins;
}

/**
 * Origin/Referer sanity for a POST: true when the browser says the form was submitted from
 * another site. Absent or opaque (`null`) values prove nothing and count as same-site; the
 * signed form token is the real check.
 */
export function isCrossSite(request: Request): boolean {
  const claimed = originOf(request.headers.get("origin")) ?? originOf(request.headers.get("referer"));
  return claimed !== null && !ownOrigins(request).has(claimed);
}

/** The page the person submitted from, for the consent evidence. */
export function submittedFromUrl(request: Request, fallback: string): string {
  const referer = request.headers.get("referer");
  return referer && originOf(referer) ? referer.slice(0, 2048) : fallback;
}
