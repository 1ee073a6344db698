import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, count, desc, eq } from "drizzle-orm";
import { consentEvents, contacts, topics } from "@/db/schema";
import { GET as formGet, POST as formPost } from "@/app/f/[formKey]/route";
import { POST as postUnsubscribe } from "@/app/u/[token]/one-click/route";
import { createCaller } from "@/server/api/root";
import type { RequestAuth, TrpcContext } from "@/server/api/trpc";
import { emailLookupKey } from "@/server/lib/addresses";
import { SOCKET_ADDRESS_HEADER } from "@/server/lib/client-address";
import { systemClock } from "@/server/lib/clock";
import { blindIndex, encryptOptional } from "@/server/lib/crypto";
import { signToken } from "@/server/lib/tokens";
import { resolveSessionMembership } from "@/server/services/auth/session-membership";
import { createForm } from "@/server/services/forms/create-form";
import { createApiKeyFor, createMember } from "@/tests/factories";
import { rest } from "@/tests/helpers/http";
import { startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";
import { getOutbox } from "@/server/wiring";

let h: SendHarness;
let key: string;
let adminUserId: string;

beforeAll(async () => {
  h = await startSendHarness();
  key = (await createApiKeyFor(h.handle.db, h.workspaceId, ["contacts:read", "contacts:write", "messages:send"]))
    .secret;
  adminUserId = (await createMember(h.handle.db, h.workspaceId, "admin")).user.id;
});
afterAll(async () => {
  await h.close();
});

async function adminCaller() {
  const membership = await resolveSessionMembership(h.handle.db, adminUserId, h.workspaceId);
  const auth: RequestAuth = { kind: "session", membership: membership! };
  const ctx: TrpcContext = {
    db: h.handle.db,
    now: systemClock,
    outbox: getOutbox(),
    requestId: "t",
    auth,
    headers: new Headers(),
  };
  return createCaller(ctx);
}

async function contactCount(): Promise<number> {
  const [row] = await h.handle.db.select({ n: count() }).from(contacts).where(eq(contacts.workspaceId, h.workspaceId));
  return row!.n;
}

describe("control characters in text fields", () => {
  it("tRPC contact create with a NUL in firstName → 400 naming firstName, nothing stored", async () => {
    const before = await contactCount();
    const caller = await adminCaller();
    const error = await caller.contacts
      .create({ email: uniqueEmail(), firstName: "Ada\u0000" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BAD_REQUEST", message: "firstName contains a control character" });
    expect(await contactCount()).toBe(before);
  });

  it("REST: 400 naming the field (nested paths too), before any work", async () => {
    const before = await contactCount();
    const res = await rest("POST", "/contacts", {
      key,
      body: { email: uniqueEmail(), lastName: "Lovelace\u001b[31m" },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("lastName contains a control character");
    expect(res.body.data?.field ?? res.body.field ?? JSON.stringify(res.body)).toContain("lastName");
    const tag = await rest("POST", "/contacts", { key, body: { email: uniqueEmail(), tags: ["ok", "bad\u007f"] } });
    expect(tag.status).toBe(400);
    expect(tag.body.message).toBe("tags[1] contains a control character");
    expect(await contactCount()).toBe(before);
  });

  it("a line break is refused in a one-line field and allowed where a field holds lines", async () => {
    const send = await rest("POST", "/messages/send_with_consent", {
      key,
      body: {
        email: uniqueEmail(),
        channel: "email",
        topic: "news",
        content: { subject: "Hi\nBcc: x@example.com", text: "t" },
      },
    });
    expect(send.status).toBe(400);
    expect(send.body.message).toBe("content.subject contains a control character");
    const lines = await rest("POST", "/messages/send_with_consent", {
      key,
      body: {
        email: uniqueEmail(),
        channel: "email",
        topic: "news",
        content: { subject: "Hi", text: "Line one\r\n\tLine two" },
      },
    });
    expect(lines.status).toBe(200);
    const nul = await rest("POST", "/messages/send_with_consent", {
      key,
      body: {
        email: uniqueEmail(),
        channel: "email",
        topic: "news",
        content: { subject: "Hi", text: "Line one\u0000" },
      },
    });
    expect(nul.status).toBe(400);
    expect(nul.body.message).toBe("content.text contains a control character");
  });
});

describe("addresses are normalised before hashing", () => {
  it("an email with a zero-width character is the same contact as the plain one", async () => {
    const plain = await rest("POST", "/contacts", { key, body: { email: "victim@example.com" } });
    const sneaky = await rest("POST", "/contacts", { key, body: { email: "vic\u200btim@example.com" } });
    expect(sneaky.status).toBe(200);
    expect(sneaky.body.id).toBe(plain.body.id);
    expect(sneaky.body.email).toBe("victim@example.com");
  });

  it("a trailing dot on the domain is the same contact", async () => {
    const plain = await rest("POST", "/contacts", { key, body: { email: "dot@example.com" } });
    const dotted = await rest("POST", "/contacts", { key, body: { email: "dot@Example.com." } });
    expect(dotted.body.id).toBe(plain.body.id);
    const found = await rest("GET", `/contacts?email=${encodeURIComponent("dot@example.com.")}`, { key });
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([plain.body.id]);
  });

  it("a bidirectional override in an address → 400 naming the field, nothing stored", async () => {
    const before = await contactCount();
    const res = await rest("POST", "/contacts", { key, body: { email: "victim@example.com\u202e" } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("email contains a bidirectional control character");
    expect(res.body.data?.field).toBe("email");
    expect(await contactCount()).toBe(before);
  });

  it("a send refuses a look-alike stored before the fix as invalid_address, and never reaches a provider", async () => {
    for (const stored of ["legacy\u200b@example.com", "legacy@example.com\u202e"]) {
      const [row] = await h.handle.db
        .insert(contacts)
        .values({
          workspaceId: h.workspaceId,
          emailCiphertext: encryptOptional(stored, "contact.email"),
          emailHash: blindIndex(h.workspaceId, "email", emailLookupKey(stored)),
        })
        .returning({ id: contacts.id });
      await h.optIn(row!.id, "email", "news");
      h.resend.reset();
      const res = await rest("POST", "/messages/send_with_consent", {
        key,
        body: { contactId: row!.id, channel: "email", topic: "news", content: { subject: "s", text: "t" } },
      });
      expect(res.body).toMatchObject({ status: "blocked", reason: "invalid_address" });
      await h.settle();
      expect(h.resend.requests).toHaveLength(0);
    }
  });
});

describe("public pages", () => {
  it("a hosted form POST with a control character → 400 naming the field, nothing stored", async () => {
    const [topic] = await h.handle.db
      .select()
      .from(topics)
      .where(and(eq(topics.workspaceId, h.workspaceId), eq(topics.key, "news")));
    const form = await createForm({
      ctx: {
        db: h.handle.db,
        workspaceId: h.workspaceId,
        actor: { type: "user", userId: adminUserId, role: "admin" },
        now: systemClock,
      },
      input: {
        name: "Footer",
        definition: {
          title: "Join",
          fields: [
            { name: "email", required: true },
            { name: "firstName", required: false },
          ],
          topicIds: [topic!.id],
          consentText: "Yes, email me news.",
          doubleOptIn: false,
        },
      },
    });
    const page = await (
      await formGet(new Request(`http://localhost:3000/f/${form.key}`), {
        params: Promise.resolve({ formKey: form.key }),
      })
    ).text();
    const token = /name="_token" value="([^"]+)"/.exec(page)![1]!;
    const before = await contactCount();
    const res = await formPost(
      new Request(`http://localhost:3000/f/${form.key}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", [SOCKET_ADDRESS_HEADER]: "198.51.100.77" },
        body: new URLSearchParams({ email: uniqueEmail(), firstName: "Eve\u0000", _token: token }),
      }),
      { params: Promise.resolve({ formKey: form.key }) },
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("First name contains a control character");
    expect(await contactCount()).toBe(before);
  });

  it("unsubscribe feedback: a reason over 1,000 characters is kept cut to 1,000; a control character → 400 naming reason", async () => {
    const contactId = await h.contact({ email: uniqueEmail() });
    await h.optIn(contactId, "email", "news");
    const [topic] = await h.handle.db
      .select()
      .from(topics)
      .where(and(eq(topics.workspaceId, h.workspaceId), eq(topics.key, "news")));
    const token = signToken("unsubscribe", {
      workspaceId: h.workspaceId,
      contactId,
      channel: "email",
      topicId: topic!.id,
    });
    const post = (body: Record<string, string>) =>
      postUnsubscribe(
        new Request(`http://localhost:3000/u/${token}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(body),
        }),
        { params: Promise.resolve({ token }) },
      );
    const long = `${"Too many messages. ".repeat(60)}\r\nAnd a second line.`;
    const res = await post({ via: "page", reason: long });
    expect(res.status).toBe(303);
    const [latest] = await h.handle.db
      .select({ evidence: consentEvents.evidence, action: consentEvents.action })
      .from(consentEvents)
      .where(eq(consentEvents.contactId, contactId))
      .orderBy(desc(consentEvents.seq))
      .limit(1);
    expect(latest!.action).toBe("opted_out");
    expect(latest!.evidence.note).toBe(long.slice(0, 1000).trimEnd());

    const bad = await post({ via: "page", reason: "Bye\u0000" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("reason contains a control character");
  });
});
