import { NextResponse, type NextRequest } from "next/server";

/** Signed-in admin areas: without a session cookie they go straight to the sign-in page. */
const ADMIN_PREFIXES = ["/contacts", "/forms", "/settings", "/templates", "/messages", "/campaigns"];
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];

/**
 * Two jobs, nothing else:
 * 1. `/u/{token}` is both a page (GET: what you are unsubscribing from, one button) and the RFC 8058
 *    one-click endpoint (POST). A `page.tsx` and a `route.ts` cannot share a segment, so POSTs that
 *    are not Server Actions are rewritten to the route handler `app/u/[token]/one-click/route.ts`;
 *    the public URL stays `/u/{token}`.
 * 2. Admin pages requested without any session cookie redirect to `/sign-in` before rendering (the
 *    signed-in layout still checks the session itself; this only spares pages a doomed render).
 */
export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (pathname.startsWith("/u/")) {
    if (request.method === "POST" && !request.headers.has("next-action")) {
      const token = pathname.split("/")[2];
      if (token) return NextResponse.rewrite(new URL(`/u/${token}/one-click`, request.url));
    }
    return NextResponse.next();
  }
  const isAdmin = pathname === "/" || ADMIN_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  if (isAdmin && request.method === "GET" && !SESSION_COOKIES.some((name) => request.cookies.has(name))) {
    return NextResponse.redirect(new URL("/sign-in", request.url));
  }
  return NextResponse.next();
}

export const config = {
  matcher: ["/u/:token", "/", "/contacts/:path*", "/forms/:path*", "/settings/:path*", "/templates/:path*", "/messages/:path*", "/campaigns/:path*"],
};
