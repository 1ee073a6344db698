import { NextRequest } from "next/server";
import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { describe, expect, it } from "vitest";
import { config, proxy } from "@/proxy";

describe("proxy: admin pages without a session", () => {
  it("redirects admin pages requested without a session cookie to /sign-in", () => {
    for (const path of ["/", "/contacts", "/contacts/123", "/settings/api-keys", "/messages"]) {
      const url = `http://localhost:3000${path}`;
      expect(unstable_doesMiddlewareMatch({ config, url })).toBe(true);
      const response = proxy(new NextRequest(url));
      expect(response.status).toBe(307);
      expect(response.headers.get("location")).toBe("http://localhost:3000/sign-in");
    }
  });

  it("lets requests with a session cookie and public pages through; never runs on APIs, hosted forms or confirmation routes", () => {
    const withCookie = proxy(
      new NextRequest("http://localhost:3000/contacts", { headers: { cookie: "authjs.session-token=abc" } }),
    );
    expect(withCookie.headers.get("location")).toBeNull();
    expect(withCookie.headers.get("x-middleware-next")).toBe("1");
    for (const path of ["/sign-in", "/preferences/abc", "/u/abc"]) {
      const response = proxy(new NextRequest(`http://localhost:3000${path}`));
      expect(response.headers.get("location")).toBeNull();
    }
    for (const path of ["/api/v1/contacts", "/f/signup", "/confirm/abc", "/api/health", "/_next/static/chunks/a.js"]) {
      expect(unstable_doesMiddlewareMatch({ config, url: `http://localhost:3000${path}` })).toBe(false);
    }
  });
});

describe("proxy: security headers on every page", () => {
  it("a page gets a nonce policy that refuses framing, nosniff comes from next.config, and token pages send no referrer", () => {
    for (const path of ["/sign-in", "/contacts", "/u/some-token", "/preferences/some-token"]) {
      expect(unstable_doesMiddlewareMatch({ config, url: `http://localhost:3000${path}` })).toBe(true);
      const response = proxy(
        new NextRequest(`http://localhost:3000${path}`, { headers: { cookie: "authjs.session-token=abc" } }),
      );
      const policy = response.headers.get("content-security-policy")!;
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
      expect(policy).not.toContain("'unsafe-inline' 'strict-dynamic'");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("referrer-policy")).toBe(
        path.startsWith("/u/") || path.startsWith("/preferences/") ? "no-referrer" : "strict-origin-when-cross-origin",
      );
    }
  });

  it("each request gets its own nonce, passed to the page through the request headers", () => {
    const first = proxy(new NextRequest("http://localhost:3000/sign-in")).headers.get("content-security-policy");
    const second = proxy(new NextRequest("http://localhost:3000/sign-in")).headers.get("content-security-policy");
    expect(first).not.toBe(second);
    const forwarded = proxy(new NextRequest("http://localhost:3000/sign-in")).headers.get(
      "x-middleware-request-x-nonce",
    );
    expect(forwarded).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
  });

  it("the one-click POST to /u/{token} is still rewritten to its route handler", () => {
    const response = proxy(
      new NextRequest("http://localhost:3000/u/tok", { method: "POST", body: "List-Unsubscribe=One-Click" }),
    );
    expect(response.headers.get("x-middleware-rewrite")).toBe("http://localhost:3000/u/tok/one-click");
  });
});
