import { NextResponse, type NextRequest } from "next/server";

/**
 * `/u/{token}` is both a page (GET: what you are unsubscribing from, one button) and the RFC 8058
 * one-click endpoint (POST). A `page.tsx` and a `route.ts` cannot share a segment, so POSTs that
 * are not Server Actions are rewritten to the route handler `app/u/[token]/one-click/route.ts`;
 * the public URL stays `/u/{token}`. Everything else passes through untouched.
 */
export function proxy(request: NextRequest) {
  if (request.method === "POST" && !request.headers.has("next-action")) {
    const token = request.nextUrl.pathname.split("/")[2];
    if (token) return NextResponse.rewrite(new URL(`/u/${token}/one-click`, request.url));
  }
  return NextResponse.next();
}

export const config = { matcher: "/u/:token" };
