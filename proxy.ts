import { NextResponse, type NextRequest } from "next/server";

/** Signed-in admin areas: without a session cookie they go straight to the sign-in page. */
const ADMIN_PREFIXES = ["/contacts", "/segments", "/forms", "/settings", "/templates", "/messages", "/campaigns"];
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];
/** Pages whose URL holds a secret token: the address must not leak to other sites through Referer. */
const TOKEN_PAGE_PREFIXES = ["/u/", "/preferences/"];

/**
 * The Content-Security-Policy of every page Next renders (the admin UI, sign-in, the unsubscribe and
 * preference pages). Scripts run only with this request's nonce (Next puts it on its own scripts;
 * the root layout on its theme script) or when loaded by such a script; no page may be framed.
 * Images, styles and fonts may come from any https origin because email previews show an email as
 * a mail client would. Route handlers that serve HTML (hosted forms, confirmation pages) set their
 * own, stricter policy (server/lib/public-pages.ts).
 */
export function contentSecurityPolicy(nonce: string, { dev = false }: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline' https:",
    "img-src 'self' data: blob: https: http:",
    "font-src 'self' data: https:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Three jobs:
 * 1. Security headers on every page: the policy above with a fresh nonce, `X-Frame-Options: DENY`
 *    for browsers without `frame-ancestors`, and a Referrer-Policy (none at all on token pages).
 *    `X-Content-Type-Options` is set for every response in next.config.ts.
 * 2. `/u/{token}` is both a page (GET: what you are unsubscribing from, one button) and the RFC 8058
 *    one-click endpoint (POST). A `page.tsx` and a `route.ts` cannot share a segment, so POSTs that
 *    are not Server Actions are rewritten to the route handler `app/u/[token]/one-click/route.ts`;
 *    the public URL stays `/u/{token}`.
 * 3. Admin pages requested without any session cookie redirect to `/sign-in` before rendering (the
 *    signed-in layout still checks the session itself; this only spares pages a doomed render).
 */
export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (pathname.startsWith("/u/") && request.method === "POST" && !request.headers.has("next-action")) {
    const token = pathname.split("/")[2];
    if (token) return NextResponse.rewrite(new URL(`/u/${token}/one-click`, request.url));
  }
  const isAdmin =
    pathname === "/" || ADMIN_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  if (isAdmin && request.method === "GET" && !SESSION_COOKIES.some((name) => request.cookies.has(name))) {
    return NextResponse.redirect(new URL("/sign-in", request.url));
  }

  const nonce = btoa(crypto.randomUUID());
  // eslint-disable-next-line no-restricted-properties -- Next inlines NODE_ENV at build time; not configuration
  const policy = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development" });
  // Next reads the nonce from the request's policy header and puts it on the scripts it renders.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", policy);
  response.headers.set("x-frame-options", "DENY");
  response.headers.set(
    "referrer-policy",
    TOKEN_PAGE_PREFIXES.some((prefix) => pathname.startsWith(prefix))
      ? "no-referrer"
      : "strict-origin-when-cross-origin",
  );
  return response;
}

export const config = {
  // Every page; not the route handlers (APIs, webhooks, hosted forms, confirmation pages, campaign
  // file downloads `/files/{token}`, email web versions `/w/{token}`, tracking `/t/…` and the API
  // reference answer with their own headers, and need no session) nor static files.
  matcher: [
    {
      source:
        "/((?!api/|docs/api|brand/|f/|confirm/|files/|w/|t/|u/[^/]+/one-click|_next/static|_next/image|favicon\\.ico|icon\\.svg|robots\\.txt).*)",
      missing: [{ type: "header", key: "next-router-prefetch" }],
    },
  ],
};
