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

  it("lets requests with a session cookie through, and never touches public pages or APIs", () => {
    const withCookie = proxy(new NextRequest("http://localhost:3000/contacts", { headers: { cookie: "authjs.session-token=abc" } }));
    expect(withCookie.headers.get("location")).toBeNull();
    expect(withCookie.headers.get("x-middleware-next")).toBe("1");
    for (const path of ["/sign-in", "/api/v1/contacts", "/preferences/abc", "/f/signup", "/api/health"]) {
      expect(unstable_doesMiddlewareMatch({ config, url: `http://localhost:3000${path}` })).toBe(false);
    }
  });
});
