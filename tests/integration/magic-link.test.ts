import { register } from "node:module";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import type { handlers as AuthHandlers } from "@/server/auth";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resetEnv } from "@/server/lib/env";
import { resetSecrets } from "@/server/lib/secrets";
import { ProviderError } from "@/server/providers/errors";
import { createResendTransport } from "@/server/providers/email/resend/transport";
import { installOutbox } from "@/server/wiring";
import { Resend } from "resend";
import { createMember, createUser, createWorkspace } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { startResendStub, type ResendStub } from "@/tests/helpers/resend-stub";

/**
 * Magic-link sign-in end to end through Auth.js's real route handlers (the ones
 * `app/api/auth/[...nextauth]/route.ts` exports) and the real `resend` SDK, against a local
 * Resend stub: csrf → POST /signin/email → the email → GET the link → session cookie.
 */

const ORIGIN = "http://localhost:3000";
const EMAIL_FROM = "OptIn Test <auth@optin.test>";
const ENV_KEYS = ["RESEND_API_KEY", "RESEND_BASE_URL", "EMAIL_FROM", "AUTH_URL", "NEXTAUTH_URL"] as const;
const LINK = /http:\/\/localhost:3000\/api\/auth\/callback\/email\?[^\s"<>]+/;

/**
 * next-auth's ESM files import `next/server` without an extension. Next's bundler resolves that,
 * Node's ESM loader does not (the `next` package has no exports map), and Vitest loads
 * node_modules with Node. This resolve hook retries those few specifiers with `.js` for this
 * worker, so the real `handlers` load unchanged. (Project-wide alternative:
 * `server.deps.inline: ["next-auth"]` in vitest.config.mts.)
 */
const NEXT_SUBPATH_HOOK = `export async function resolve(specifier, context, next) {
  return next(/^next\\/(server|headers|navigation)$/.test(specifier) ? specifier + ".js" : specifier, context);
}`;

type Handlers = typeof AuthHandlers;

let stub: ResendStub;
let handle: DbHandle;
let handlers: Handlers;
let memberEmail: string;
let memberId: string;
const savedEnv: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};

/** A browser's cookie jar, just enough for Auth.js's cookies on one origin. */
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
        const [key, val] = a.trim().split("=");
        if (key?.toLowerCase() === "max-age") return Number(val) <= 0;
        if (key?.toLowerCase() === "expires") return new Date(val!).getTime() <= Date.now();
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
): Promise<Response> {
  const headers = new Headers({ cookie: jar.header() });
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

/** What the sign-in form does: fetch a CSRF token, then POST the address to the email provider. */
async function requestLink(jar: CookieJar, email: string, callbackUrl = "/contacts"): Promise<Response> {
  const csrf = await call(jar, "GET", "/api/auth/csrf");
  expect(csrf.status).toBe(200);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  expect(csrfToken).toMatch(/\w{16,}/);
  return call(jar, "POST", "/api/auth/signin/email", { csrfToken, email, callbackUrl });
}

async function tokenRows(identifier: string) {
  return handle.queryRows<{ token: string; expires: Date }>(
    "select token, expires from verification_tokens where identifier = $1",
    [identifier],
  );
}

beforeAll(async () => {
  stub = await startResendStub();
  for (const key of ENV_KEYS) savedEnv[key] = process.env[key];
  delete process.env.AUTH_URL;
  delete process.env.NEXTAUTH_URL;
  process.env.RESEND_API_KEY = "re_test_magic_link";
  process.env.RESEND_BASE_URL = stub.url;
  process.env.EMAIL_FROM = EMAIL_FROM;
  resetEnv();
  resetSecrets();
  installOutbox(undefined);

  handle = await createTestDb();
  setDbHandle(handle);
  const workspace = await createWorkspace(handle.db);
  const member = await createMember(handle.db, workspace.id, "marketer", { email: "member@example.test" });
  memberEmail = member.user.email;
  memberId = member.user.id;

  // Imported only now, so nothing reads the environment before the test set it.
  register(`data:text/javascript,${encodeURIComponent(NEXT_SUBPATH_HOOK)}`);
  ({ handlers } = await import("@/server/auth"));
});

afterAll(async () => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  resetEnv();
  resetSecrets();
  installOutbox(undefined);
  await closeDb();
  await stub?.close();
});

beforeEach(async () => {
  stub.reset();
  await handle.queryRows("delete from verification_tokens");
  // Each test asks for a few links for the same member; the per-address throttle
  // (tests/integration/sign-in-limits.test.ts) starts over for each.
  await handle.queryRows("delete from rate_limits");
});

describe("magic-link sign-in through Resend", () => {
  // First on purpose: @auth/core's config check remembers (module-wide, for the life of the
  // process) that it once saw an email provider, and would then demand an adapter from a config
  // without one. A real server never switches providers at runtime; this file does.
  describe("without RESEND_API_KEY", () => {
    beforeAll(() => {
      delete process.env.RESEND_API_KEY;
      resetEnv();
      installOutbox(undefined);
    });

    afterAll(() => {
      process.env.RESEND_API_KEY = "re_test_magic_link";
      resetEnv();
      installOutbox(undefined);
    });

    it("has no email provider, and POST /signin/email sends nothing and stores no token", async () => {
      const providers = (await (await call(new CookieJar(), "GET", "/api/auth/providers")).json()) as Record<
        string,
        unknown
      >;
      expect(Object.keys(providers)).toEqual(["credentials"]);

      const res = await requestLink(new CookieJar(), memberEmail);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(`${ORIGIN}/sign-in?error=Configuration`);
      expect(stub.requests).toHaveLength(0);
      expect(await tokenRows(memberEmail)).toHaveLength(0);
    });
  });

  it("offers the email provider when RESEND_API_KEY is set", async () => {
    const res = await call(new CookieJar(), "GET", "/api/auth/providers");
    expect(res.status).toBe(200);
    const providers = (await res.json()) as Record<string, { id: string; type: string }>;
    expect(providers.email).toMatchObject({ id: "email", type: "email" });
  });

  it("emails a member one working link, which signs them in once and only once", async () => {
    const browser = new CookieJar();
    const res = await requestLink(browser, memberEmail);
    expect(res.status).toBe(302);
    const checkEmail = res.headers.get("location")!;
    expect(checkEmail).toBe(`${ORIGIN}/api/auth/verify-request?provider=email&type=email`);

    // The "check your email" hop lands on the sign-in page's check=email view.
    const landing = await call(browser, "GET", checkEmail);
    expect(landing.status).toBe(302);
    const landingUrl = new URL(landing.headers.get("location")!, ORIGIN);
    expect(landingUrl.pathname).toBe("/sign-in");
    expect(landingUrl.searchParams.get("check")).toBe("email");

    // Exactly one email, through the Resend API with our key, from EMAIL_FROM to the member.
    expect(stub.sent).toHaveLength(1);
    const [email] = stub.sent;
    expect(email!.path).toBe("/emails");
    expect(email!.headers.authorization).toBe("Bearer re_test_magic_link");
    expect(email!.body).toMatchObject({
      from: EMAIL_FROM,
      to: [memberEmail],
      subject: "Your OptIn Manager sign-in link",
    });
    const link = LINK.exec(email!.body.text)?.[0];
    expect(link, email!.body.text).toBeDefined();
    const linkUrl = new URL(link!);
    expect(linkUrl.searchParams.get("email")).toBe(memberEmail);
    expect(linkUrl.searchParams.get("callbackUrl")).toBe(`${ORIGIN}/contacts`);
    const rawToken = linkUrl.searchParams.get("token")!;
    expect(rawToken.length).toBeGreaterThanOrEqual(32);
    // The HTML part carries the same link (HTML-escaped).
    expect(email!.body.html).toContain(link!.replace(/&/g, "&amp;"));

    // One token row, stored hashed, expiring in 15 minutes.
    const rows = await tokenRows(memberEmail);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token).not.toBe(rawToken);
    expect(JSON.stringify(rows)).not.toContain(rawToken);
    const minutesLeft = (new Date(rows[0]!.expires).getTime() - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(14);
    expect(minutesLeft).toBeLessThanOrEqual(15);

    // Opening the link (in a fresh browser, as from a mail client) signs in and redirects.
    const mailClient = new CookieJar();
    const signedIn = await call(mailClient, "GET", link!);
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("location")).toBe(`${ORIGIN}/contacts`);
    expect(mailClient.values.get("authjs.session-token")).toBeTruthy();

    const session = await call(mailClient, "GET", "/api/auth/session");
    const body = (await session.json()) as { user?: { id: string; email: string } } | null;
    expect(body?.user).toMatchObject({ id: memberId, email: memberEmail });

    const [user] = await handle.queryRows<{ last_sign_in_at: Date | null; email_verified_at: Date | null }>(
      "select last_sign_in_at, email_verified_at from users where id = $1",
      [memberId],
    );
    expect(user!.last_sign_in_at).not.toBeNull();
    expect(user!.email_verified_at).not.toBeNull();
    const audits = await handle.queryRows<{ after: unknown }>(
      "select after from audit_log where action = 'auth.sign_in' and target_id = $1",
      [memberId],
    );
    expect(audits.map((a) => a.after)).toContainEqual({ method: "magic_link" });
    expect(await tokenRows(memberEmail)).toHaveLength(0);

    // The same link a second time: no session, an error redirect.
    const again = new CookieJar();
    const reused = await call(again, "GET", link!);
    expect(reused.status).toBe(302);
    const reusedUrl = new URL(reused.headers.get("location")!);
    expect(reusedUrl.pathname).toBe("/sign-in");
    expect(reusedUrl.searchParams.get("error")).toBe("Verification");
    expect(again.values.has("authjs.session-token")).toBe(false);

    expect(stub.sent).toHaveLength(1);
  });

  it("records the link as a system message to the member, sent through the outbox", async () => {
    const before = await handle.queryRows<{ id: string }>("select id from messages where user_id = $1", [memberId]);
    await requestLink(new CookieJar(), memberEmail);
    expect(stub.sent).toHaveLength(1);
    const rows = await handle.queryRows<{
      id: string;
      kind: string;
      status: string;
      transport: string;
      contact_id: string | null;
      provider_message_id: string;
      options: any;
    }>(
      "select id, kind, status, transport, contact_id, provider_message_id, options from messages where user_id = $1 order by created_at",
      [memberId],
    );
    expect(rows).toHaveLength(before.length + 1);
    const row = rows.at(-1)!;
    expect(row).toMatchObject({
      kind: "system",
      status: "sent",
      transport: "resend",
      contact_id: null,
      options: { purpose: "magic_link", recipientRole: "marketer" },
    });
    // The message id is the provider idempotency key, and the provider id is recorded on the row.
    expect(stub.sent[0]!.headers["idempotency-key"]).toBe(row.id);
    expect(row.provider_message_id).toBe(stub.sent[0]!.ids[0]);
  });

  it("accepts the address in any case and with spaces, still sending to the stored address", async () => {
    const res = await requestLink(new CookieJar(), `  ${memberEmail.toUpperCase()} `);
    expect(res.status).toBe(302);
    expect(stub.sent).toHaveLength(1);
    expect(stub.sent[0]!.body.to).toEqual([memberEmail]);
  });

  it("a link with a tampered token does not sign in", async () => {
    await requestLink(new CookieJar(), memberEmail);
    const link = new URL(LINK.exec(stub.sent[0]!.body.text)![0]);
    link.searchParams.set("token", "0".repeat(64));
    const jar = new CookieJar();
    const res = await call(jar, "GET", link.toString());
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("Verification");
    expect(jar.values.has("authjs.session-token")).toBe(false);
  });

  it("sends nothing to a non-member, and answers exactly as for a member", async () => {
    const memberAnswer = await requestLink(new CookieJar(), memberEmail);
    expect(stub.sent).toHaveLength(1);

    // An unknown address, and a user who exists but belongs to no workspace.
    const outsider = await createUser(handle.db, { email: "no-workspace@example.test" });
    for (const address of ["stranger@example.test", outsider.email]) {
      const res = await requestLink(new CookieJar(), address);
      expect(res.status, address).toBe(memberAnswer.status);
      expect(res.headers.get("location"), address).toBe(memberAnswer.headers.get("location"));
      expect(await tokenRows(address), address).toHaveLength(0);
    }
    expect(stub.sent).toHaveLength(1);
    expect(stub.requests).toHaveLength(1);
  });

  it("a disabled member gets no link", async () => {
    const workspace = await createWorkspace(handle.db);
    const { user } = await createMember(handle.db, workspace.id, "viewer", { email: "disabled@example.test" });
    await handle.queryRows("update users set disabled_at = now() where id = $1", [user.id]);
    const res = await requestLink(new CookieJar(), user.email);
    expect(res.status).toBe(302);
    expect(stub.requests).toHaveLength(0);
    expect(await tokenRows(user.email)).toHaveLength(0);
  });

  it("reports a Resend refusal instead of claiming the link was sent", async () => {
    stub.failNext(500);
    const res = await requestLink(new CookieJar(), memberEmail);
    expect(stub.requests.map((r) => r.status)).toEqual([500]);
    expect(stub.sent).toHaveLength(0);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${ORIGIN}/sign-in?error=Configuration`);
  });
});

/** The stub's own contract, through the real SDK and transport, for the messaging tests that reuse it. */
describe("the Resend stub", () => {
  const email = { from: EMAIL_FROM, to: "someone@example.test", subject: "Hi", text: "Hello" };

  it("records an email with its Idempotency-Key, and answers a repeat without sending twice", async () => {
    const transport = createResendTransport({ apiKey: "re_test_magic_link" });
    const first = await transport.send({ ...email, idempotencyKey: "msg-1" });
    const repeat = await transport.send({ ...email, idempotencyKey: "msg-1" });
    expect(repeat.providerMessageId).toBe(first.providerMessageId);
    expect(stub.sent).toHaveLength(1);
    expect(stub.sent[0]!.headers["idempotency-key"]).toBe("msg-1");
    expect(stub.sent[0]!.ids).toEqual([first.providerMessageId]);
    await expect(transport.send({ ...email, subject: "Other", idempotencyKey: "msg-1" })).rejects.toMatchObject({
      providerCode: "invalid_idempotent_request",
    });
  });

  it("fails the next N calls with the given status, then recovers", async () => {
    const transport = createResendTransport({ apiKey: "re_test_magic_link" });
    stub.failNext(429, 2, { retryAfter: 7 });
    for (let i = 0; i < 2; i++) {
      const error = await transport.send(email).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ retryable: true, providerCode: "rate_limit_exceeded" });
    }
    stub.failNext(500);
    await expect(transport.send(email)).rejects.toMatchObject({
      retryable: true,
      providerCode: "internal_server_error",
    });
    await expect(transport.send(email)).resolves.toMatchObject({ transport: "resend" });
    expect(stub.requests.map((r) => r.status)).toEqual([429, 429, 500, 200]);
    expect(stub.sent).toHaveLength(1);
  });

  it("answers a batch with one id per email, and refuses calls without an API key", async () => {
    const resend = new Resend("re_test_magic_link");
    const { data, error } = await resend.batch.send([email, { ...email, to: "other@example.test" }]);
    expect(error).toBeNull();
    expect(data?.data).toHaveLength(2);
    expect(stub.sent[0]).toMatchObject({ path: "/emails/batch", ids: data!.data.map((d) => d.id) });
    expect(stub.sent[0]!.body).toHaveLength(2);

    const anonymous = await fetch(`${stub.url}/emails`, { method: "POST", body: JSON.stringify(email) });
    expect(anonymous.status).toBe(401);
    expect(stub.sent).toHaveLength(1);
  });
});
