import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { hashPassword, safeEqual, verifyPassword } from "@/server/lib/hashing";
import { createLogger, maskEmail } from "@/server/lib/logger";
import { createRateLimiter } from "@/server/lib/rate-limit";
import { bearerToken } from "@/server/api/trpc";
import { hasRole, hasScope } from "@/server/services/context";

describe("password hashing", () => {
  it("verifies the right password and rejects others; hashes are salted", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
    expect(await hashPassword("correct horse battery")).not.toBe(hash);
    expect(await verifyPassword("x", "md5$abc")).toBe(false);
  });
});

describe("roles and scopes", () => {
  it("orders roles owner > admin > marketer > viewer", () => {
    expect(hasRole("owner", "admin")).toBe(true);
    expect(hasRole("admin", "admin")).toBe(true);
    expect(hasRole("marketer", "admin")).toBe(false);
    expect(hasRole("viewer", "marketer")).toBe(false);
    expect(hasRole("viewer", "viewer")).toBe(true);
  });

  it("the admin scope implies every other scope", () => {
    expect(hasScope(["admin"], "messages:send")).toBe(true);
    expect(hasScope(["contacts:read"], "contacts:write")).toBe(false);
    expect(hasScope(["contacts:write"], "contacts:write")).toBe(true);
  });
});

describe("bearer tokens", () => {
  it("reads Authorization: Bearer, tolerating case and spaces", () => {
    expect(bearerToken(new Headers())).toBeNull();
    expect(bearerToken(new Headers({ authorization: "Bearer abc" }))).toBe("abc");
    expect(bearerToken(new Headers({ authorization: "bearer   abc  " }))).toBe("abc");
    expect(bearerToken(new Headers({ authorization: "Basic abc" }))).toBe("");
  });

  it("compares secrets in constant time by value", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});

describe("rate limiter", () => {
  it("allows `limit` hits per window and resets after it", () => {
    const limiter = createRateLimiter({ limit: 2, windowMs: 1000 });
    expect(limiter.hit("a", 0)).toBe(true);
    expect(limiter.hit("a", 10)).toBe(true);
    expect(limiter.hit("a", 20)).toBe(false);
    expect(limiter.hit("b", 20)).toBe(true);
    expect(limiter.hit("a", 1000)).toBe(true);
  });
});

describe("logging", () => {
  it("redacts PII fields at any depth one level down", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger(sink);
    log.level = "info";
    log.info(
      {
        email: "a@b.c",
        phone: "+15551234567",
        contact: { email: "x@y.z" },
        headers: { authorization: "Bearer s3cret" },
        contactId: "c1",
      },
      "hello",
    );
    const out = lines.join("");
    expect(out).not.toContain("a@b.c");
    expect(out).not.toContain("+15551234567");
    expect(out).not.toContain("x@y.z");
    expect(out).not.toContain("s3cret");
    expect(out).toContain("c1");
    expect(out).toContain("[redacted]");
  });

  it("masks emails for display", () => {
    expect(maskEmail("alice@example.com")).toBe("a•••@example.com");
    expect(maskEmail("broken")).toBe("•••");
  });
});

describe("error logging", () => {
  it("drops SQL parameters from failed-query errors", async () => {
    const { serializeError } = await import("@/server/lib/logger");
    const error = Object.assign(new Error("Failed query: select 1 where email = $1\nparams: alice@example.com"), {
      params: ["alice@example.com"],
      cause: new Error("boom"),
    });
    const out = JSON.stringify(serializeError(error));
    expect(out).not.toContain("alice@example.com");
    expect(out).toContain("Failed query: select 1");
    expect(out).toContain("boom");
  });
});
