import { register } from "node:module";
import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { rateLimits, type Role } from "@/db/schema";
import type { handlers as AuthHandlers } from "@/server/auth";
import { checkSessionToken, sessionVersionGrant } from "@/server/auth/session-version";
import { fixedClock } from "@/server/lib/clock";
import { SOCKET_ADDRESS_HEADER } from "@/server/lib/client-address";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resetEnv } from "@/server/lib/env";
import { limitKey, recordHit } from "@/server/lib/persistent-rate-limit";
import { resetSecrets } from "@/server/lib/secrets";
import { purgeExpiredTokens } from "@/server/services/auth/purge-expired-tokens";
import { signInWithPassword } from "@/server/services/auth/sign-in-with-password";
import { SIGN_IN_LIMITS } from "@/server/services/auth/sign-in-limits";
import { changePassword } from "@/server/services/users";
import { createMember, createWorkspace, memberContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { installRecordingTransports } from "@/tests/helpers/recording-transports";

/**
 * Sign-in abuse limits: counted per client address, per account and address (back-off), per
 * account (back-off that never locks out an address with no failures) and for the instance;
 * magic-link requests throttled per address without changing the answer; wrong current
 * passwords limited; a password change ends the user's other sessions. The Auth.js parts go
 * through the real route handlers (as in magic-link.test.ts).
 */

const ORIGIN = "http://localhost:3000";
const ENV_KEYS = ["RESEND_API_KEY", "EMAIL_FROM", "AUTH_URL", "NEXTAUTH_URL"] as const;
const NEXT_SUBPATH_HOOK = `export async function resolve(specifier, context, next) {
  return next(/^next\\/(server|headers|navigation)$/.test(specifier) ? specifier + ".js" : specifier, context);
}`;

let handle: DbHandle;
let handlers: typeof AuthHandlers;
let workspaceId: string;
let transport: ReturnType<typeof installRecordingTransports>;
const savedEnv: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
const clock = fixedClock("2026-12-01T09:00:00Z");

beforeAll(async () => {
  for (const key of ENV_KEYS) savedEnv[key] = process.env[key];
  delete process.env.AUTH_URL;
  delete process.env.NEXTAUTH_URL;
  process.env.RESEND_API_KEY = "re_test_sign_in_limits";
  process.env.EMAIL_FROM = "OptIn Test <auth@optin.test>";
  resetEnv();
  resetSecrets();
  handle = await createTestDb();
  setDbHandle(handle);
  workspaceId = (await createWorkspace(handle.db)).id;
  transport = installRecordingTransports();
  register(`data:text/javascript,${encodeURIComponent(NEXT_SUBPATH_HOOK)}`);
  ({ handlers } = await import("@/server/auth"));
});

afterAll(async () => {
  transport.uninstall();
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  resetEnv();
  resetSecrets();
  await closeDb();
});

async function member(email: string, password: string, role: Role = "owner") {
  return createMember(handle.db, workspaceId, role, { email, password });
}

function attempt(email: string, password: string, ip: string) {
  return signInWithPassword({
    ctx: { db: handle.db, now: clock },
    input: { credentials: { email, password }, clientKey: ip },
  });
}

async function blockedForMs(key: string): Promise<number> {
  const [row] = await handle.db.select().from(rateLimits).where(eq(rateLimits.key, key));
  return row?.blockedUntil ? row.blockedUntil.getTime() - clock().getTime() : 0;
}

describe("password sign-in limits", () => {
  it("300 wrong passwords from one address do not lock the owner out from another", { timeout: 180_000 }, async () => {
    await member("owner@acme.test", "the-right-password");
    const outcomes = { invalid: 0, rate_limited: 0 };
    for (let i = 0; i < 300; i++) {
      const result = await attempt("owner@acme.test", `guess-${i}`, "203.0.113.10");
      if (!result.ok) outcomes[result.reason as keyof typeof outcomes] += 1;
      clock.advance(2000);
    }
    // Only a few guesses were even checked: back-off, then the address's quota.
    expect(outcomes.invalid).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAddress.limit);
    expect(outcomes.invalid + outcomes.rate_limited).toBe(300);
    expect(await attempt("owner@acme.test", "the-right-password", "203.0.113.10")).toEqual({
      ok: false,
      reason: "rate_limited",
    });

    const owner = await attempt("owner@acme.test", "the-right-password", "198.51.100.20");
    expect(owner.ok).toBe(true);
  });

  it(
    "300 addresses tried from one client address are refused after the per-address limit",
    { timeout: 180_000 },
    async () => {
      const results = [];
      for (let i = 0; i < 300; i++)
        results.push(await attempt(`person-${i}@spray.test`, "Winter2026!", "203.0.113.30"));
      const checked = results.filter((r) => !r.ok && r.reason === "invalid").length;
      expect(checked).toBe(SIGN_IN_LIMITS.perAddress.limit);
      expect(results.slice(SIGN_IN_LIMITS.perAddress.limit).every((r) => !r.ok && r.reason === "rate_limited")).toBe(
        true,
      );
      // A real member from that address is refused too until the window ends, then let in.
      await member("spray-victim@acme.test", "another-right-password");
      expect(await attempt("spray-victim@acme.test", "another-right-password", "203.0.113.30")).toEqual({
        ok: false,
        reason: "rate_limited",
      });
      clock.advance(SIGN_IN_LIMITS.perAddress.windowMs);
      expect((await attempt("spray-victim@acme.test", "another-right-password", "203.0.113.30")).ok).toBe(true);
    },
  );

  it("the back-off per account and address grows 1 s, 2 s, 4 s, 8 s after five free failures", async () => {
    await member("backoff@acme.test", "backoff-right-password");
    const ip = "203.0.113.40";
    const key = limitKey("sign-in-account-address", "backoff@acme.test", ip);
    for (let i = 0; i < 4; i++)
      expect(await attempt("backoff@acme.test", "nope", ip)).toEqual({ ok: false, reason: "invalid" });
    expect(await blockedForMs(key)).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      expect(await attempt("backoff@acme.test", "nope", ip)).toEqual({ ok: false, reason: "invalid" });
      const wait = await blockedForMs(key);
      waits.push(wait);
      // Even the right password waits out the back-off from this address.
      expect(await attempt("backoff@acme.test", "backoff-right-password", ip)).toEqual({
        ok: false,
        reason: "rate_limited",
      });
      clock.advance(wait - 1);
      expect(await attempt("backoff@acme.test", "nope", ip)).toEqual({ ok: false, reason: "rate_limited" });
      clock.advance(1);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
    expect((await attempt("backoff@acme.test", "backoff-right-password", ip)).ok).toBe(true);
    // Success starts this address's back-off over.
    expect(await blockedForMs(key)).toBe(0);
  });

  it(
    "the account-wide back-off slows addresses that failed but never an address with no failures",
    { timeout: 180_000 },
    async () => {
      await member("target@acme.test", "target-right-password");
      for (let i = 0; i < SIGN_IN_LIMITS.perAccount.backoff.free; i++) {
        expect(await attempt("target@acme.test", `spread-${i}`, `192.0.2.${i + 1}`)).toEqual({
          ok: false,
          reason: "invalid",
        });
      }
      expect(await blockedForMs(limitKey("sign-in-account", "target@acme.test"))).toBe(1000);
      // An address that has failed is held back, even with the right password…
      expect(await attempt("target@acme.test", "target-right-password", "192.0.2.1")).toEqual({
        ok: false,
        reason: "rate_limited",
      });
      // …the owner from an address with no failures is not.
      expect((await attempt("target@acme.test", "target-right-password", "198.51.100.77")).ok).toBe(true);
    },
  );

  it(
    "past the instance-wide ceiling every sign-in is refused until the minute ends",
    { timeout: 180_000 },
    async () => {
      await member("ceiling@acme.test", "ceiling-right-password");
      clock.advance(SIGN_IN_LIMITS.instance.windowMs);
      for (let i = 0; i < SIGN_IN_LIMITS.instance.limit; i++)
        await recordHit(handle.db, "sign-in-instance", SIGN_IN_LIMITS.instance, clock());
      expect(await attempt("ceiling@acme.test", "ceiling-right-password", "198.51.100.90")).toEqual({
        ok: false,
        reason: "rate_limited",
      });
      clock.advance(SIGN_IN_LIMITS.instance.windowMs);
      expect((await attempt("ceiling@acme.test", "ceiling-right-password", "198.51.100.90")).ok).toBe(true);
    },
  );
});

describe("rate-limit counters", () => {
  it("the nightly purge drops counters idle for a day and keeps live ones", async () => {
    const now = clock();
    await recordHit(handle.db, "test:old", SIGN_IN_LIMITS.perAddress, new Date(now.getTime() - 25 * 3_600_000));
    await recordHit(handle.db, "test:fresh", SIGN_IN_LIMITS.perAddress, now);
    await purgeExpiredTokens({ ctx: { db: handle.db, now: clock } });
    const keys = (await handle.db.select({ key: rateLimits.key }).from(rateLimits)).map((r) => r.key);
    expect(keys).toContain("test:fresh");
    expect(keys).not.toContain("test:old");
  });
});

describe("changing the password", () => {
  it("limits wrong current-password guesses per user → RATE_LIMITED (429)", async () => {
    const { user } = await member("changer@acme.test", "changer-right-password");
    const ctx = memberContext(handle.db, workspaceId, user.id, "owner", clock);
    for (let i = 0; i < 5; i++) {
      await expect(
        changePassword({ ctx, input: { currentPassword: `guess-${i}`, newPassword: "a-brand-new-password" } }),
      ).rejects.toMatchObject({
        code: "INVALID",
      });
    }
    await expect(
      changePassword({
        ctx,
        input: { currentPassword: "changer-right-password", newPassword: "a-brand-new-password" },
      }),
    ).rejects.toMatchObject({
      code: "RATE_LIMITED",
    });
    clock.advance(15 * 60_000);
    await expect(
      changePassword({
        ctx,
        input: { currentPassword: "changer-right-password", newPassword: "a-brand-new-password" },
      }),
    ).resolves.toEqual({
      changed: true,
      sessionVersion: 1,
    });
  });
});

/** A browser's cookie jar for one origin, enough for Auth.js's cookies. */
class CookieJar {
  readonly values = new Map<string, string>();
  header(): string {
    return [...this.values].map(([name, value]) => `${name}=${value}`).join("; ");
  }
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const index = pair!.indexOf("=");
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      const expired = attributes.some((a) => {
        const [k, v] = a.trim().split("=");
        if (k?.toLowerCase() === "max-age") return Number(v) <= 0;
        if (k?.toLowerCase() === "expires") return new Date(v!).getTime() <= Date.now();
        return false;
      });
      if (expired || value === "") this.values.delete(name);
      else this.values.set(name, value);
    }
  }
}

async function call(
  jar: CookieJar,
  method: "GET" | "POST",
  url: string,
  form?: Record<string, string>,
  ip = "198.51.100.200",
): Promise<Response> {
  const headers = new Headers({ cookie: jar.header(), [SOCKET_ADDRESS_HEADER]: ip });
  if (form) headers.set("content-type", "application/x-www-form-urlencoded");
  const request = new NextRequest(new URL(url, ORIGIN), {
    method,
    headers,
    body: form ? new URLSearchParams(form) : undefined,
  });
  const response = await (method === "GET" ? handlers.GET : handlers.POST)(request);
  jar.store(response);
  return response;
}

async function csrf(jar: CookieJar, ip?: string): Promise<string> {
  const res = await call(jar, "GET", "/api/auth/csrf", undefined, ip);
  return ((await res.json()) as { csrfToken: string }).csrfToken;
}

async function sessionUser(jar: CookieJar): Promise<string | null> {
  const res = await call(jar, "GET", "/api/auth/session");
  const body = (await res.json()) as { user?: { id?: string } } | null;
  return body?.user?.id ?? null;
}

describe("through the Auth.js handlers", () => {
  it("magic links are throttled per address: no email past the limit, and the very same answer", async () => {
    await member("magic@acme.test", "magic-right-password", "marketer");
    const answers: string[] = [];
    const before = transport.emails.length;
    for (let i = 0; i < 5; i++) {
      const jar = new CookieJar();
      const ip = `198.51.100.${110 + i}`;
      const res = await call(
        jar,
        "POST",
        "/api/auth/signin/email",
        { csrfToken: await csrf(jar, ip), email: "magic@acme.test", callbackUrl: "/" },
        ip,
      );
      answers.push(`${res.status} ${res.headers.get("location")}`);
    }
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toBe(`302 ${ORIGIN}/api/auth/verify-request?provider=email&type=email`);
    const sent = transport.emails.slice(before).filter((e) => e.to === "magic@acme.test");
    expect(sent).toHaveLength(3);

    // The same answer for an address that is not a member.
    const jar = new CookieJar();
    const stranger = await call(jar, "POST", "/api/auth/signin/email", {
      csrfToken: await csrf(jar),
      email: "nobody@acme.test",
      callbackUrl: "/",
    });
    expect(`${stranger.status} ${stranger.headers.get("location")}`).toBe(answers[0]);
  });

  it("magic links are throttled per client address too", { timeout: 180_000 }, async () => {
    const ip = "198.51.100.150";
    const before = transport.emails.length;
    for (let i = 0; i < 12; i++) {
      const email = `ml-${i}@acme.test`;
      await member(email, "ml-right-password-long", "viewer");
      const jar = new CookieJar();
      const res = await call(
        jar,
        "POST",
        "/api/auth/signin/email",
        { csrfToken: await csrf(jar, ip), email, callbackUrl: "/" },
        ip,
      );
      expect(res.headers.get("location")).toBe(`${ORIGIN}/api/auth/verify-request?provider=email&type=email`);
    }
    expect(transport.emails.length - before).toBe(10);
  });

  it("a password change ends the user's other sessions", async () => {
    const { user } = await member("sessions@acme.test", "sessions-right-password", "admin");
    const signIn = async () => {
      const jar = new CookieJar();
      const res = await call(jar, "POST", "/api/auth/callback/credentials", {
        csrfToken: await csrf(jar),
        email: "sessions@acme.test",
        password: "sessions-right-password",
        callbackUrl: "/",
      });
      expect(res.status).toBe(302);
      expect(await sessionUser(jar)).toBe(user.id);
      return jar;
    };
    const laptop = await signIn();
    const stolen = await signIn();

    const { sessionVersion } = await changePassword({
      ctx: memberContext(handle.db, workspaceId, user.id, "admin"),
      input: { currentPassword: "sessions-right-password", newPassword: "sessions-new-password" },
    });
    expect(sessionVersion).toBe(1);
    expect(await sessionUser(stolen)).toBeNull();
    expect(stolen.values.has("authjs.session-token")).toBe(false);
    expect(await sessionUser(laptop)).toBeNull();

    // The session that made the change is re-issued with the new version and a server-made grant;
    // a stale token cannot grant itself a version.
    const token = { sub: user.id, sv: 0 };
    expect(await checkSessionToken({ db: handle.db, token: { ...token } })).toBeNull();
    expect(
      await checkSessionToken({
        db: handle.db,
        token: { ...token },
        update: { sessionVersion: 1, sessionGrant: "0".repeat(64) },
      }),
    ).toBeNull();
    expect(
      await checkSessionToken({
        db: handle.db,
        token: { ...token },
        update: { sessionVersion: 1, sessionGrant: sessionVersionGrant(user.id, 1) },
      }),
    ).toMatchObject({ sub: user.id, sv: 1 });

    // Signing in with the new password gives a working session at the new version.
    const jar = new CookieJar();
    await call(jar, "POST", "/api/auth/callback/credentials", {
      csrfToken: await csrf(jar),
      email: "sessions@acme.test",
      password: "sessions-new-password",
      callbackUrl: "/",
    });
    expect(await sessionUser(jar)).toBe(user.id);
  });
});
