import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, asc, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { auditLog, consentConfirmations, consentEvents, consentStates, topics, type TopicRow } from "@/db/schema";
import { fixedClock } from "@/server/lib/clock";
import { sha256Hex } from "@/server/lib/hashing";
import { setDbHandle, closeDb } from "@/server/lib/db";
import { confirmByCode } from "@/server/services/confirmations/confirm-by-code";
import { confirmByLink } from "@/server/services/confirmations/confirm-by-link";
import { getLinkConfirmation } from "@/server/services/confirmations/get-link-confirmation";
import { expireConfirmations } from "@/server/services/confirmations/expire-confirmations";
import { requestConfirmation } from "@/server/services/confirmations/request-confirmation";
import { resendConfirmation } from "@/server/services/confirmations/resend-confirmation";
import { upsertContact } from "@/server/services/contacts";
import type { SendingContext } from "@/server/services/context";
import { ensureDefaultTopics } from "@/server/services/topics";
import { createWorkspace, systemContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { installRecordingTransports } from "@/tests/helpers/recording-transports";

let handle: DbHandle;
let newsletter: TopicRow;
let promotions: TopicRow;
let transport: ReturnType<typeof installRecordingTransports>;
const clock = fixedClock("2026-11-20T12:00:00Z");
let ctx: SendingContext;
const evidence = {
  ip: "203.0.113.7",
  userAgent: "Mozilla/5.0 (test)",
  url: "https://acme.test/signup",
  text: "Yes, email me the Acme newsletter.",
  formVersion: "f@v1",
};

beforeAll(async () => {
  handle = await createTestDb();
  setDbHandle(handle);
  const ws = await createWorkspace(handle.db, { name: "Acme Coffee", defaultRegion: "US" });
  await ensureDefaultTopics(handle.db, ws.id, new Date());
  const rows = await handle.db.select().from(topics).where(eq(topics.workspaceId, ws.id));
  newsletter = rows.find((t) => t.key === "newsletter")!;
  promotions = rows.find((t) => t.key === "promotions")!;
  // Installed before the context is made: the context carries the process's outbox.
  transport = installRecordingTransports();
  ctx = systemContext(handle.db, ws.id, clock, { type: "system", job: "test" });
});
afterAll(async () => {
  transport.uninstall();
  await closeDb();
});

const publicCtx = () => ({ db: handle.db, now: clock });

async function contact(input: { email?: string; phone?: string }) {
  return (await upsertContact({ ctx, input })).contact;
}

async function state(contactId: string, channel: "email" | "sms", topicId: string) {
  const [row] = await handle.db
    .select()
    .from(consentStates)
    .where(
      and(
        eq(consentStates.contactId, contactId),
        eq(consentStates.channel, channel),
        eq(consentStates.topicId, topicId),
      ),
    );
  return row?.status ?? null;
}

async function events(contactId: string) {
  return handle.db
    .select()
    .from(consentEvents)
    .where(eq(consentEvents.contactId, contactId))
    .orderBy(asc(consentEvents.seq));
}

describe("email double opt-in", () => {
  it("a request is pending (not consent), sends a branded link and stores only the token's hash", async () => {
    const person = await contact({ email: "pending@example.com" });
    const sent = await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    expect(sent).toMatchObject({ channel: "email", method: "link", sentTo: "p•••@example.com" });
    expect(await state(person.id, "email", newsletter.id)).toBe("pending");

    const email = transport.emails.at(-1)!;
    expect(email.to).toBe("pending@example.com");
    expect(email.from).toContain('"Acme Coffee"');
    expect(email.subject).toContain("Acme Coffee");
    const token = transport.linkTokenFor("pending@example.com");
    expect(email.text).toContain(`http://localhost:3000/confirm/${token}`);

    const [row] = await handle.db
      .select()
      .from(consentConfirmations)
      .where(eq(consentConfirmations.id, sent.confirmationId!));
    expect(row!.secretHash).toBe(sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row!.expiresAt.getTime() - clock().getTime()).toBe(48 * 3600_000);
    expect(row!.evidence).toMatchObject({ ip: evidence.ip, formVersion: "f@v1", textHash: sha256Hex(evidence.text) });
  });

  it("looking at the link changes nothing; the click confirms once and a second click records nothing", async () => {
    const person = await contact({ email: "click@example.com" });
    await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    const token = transport.linkTokenFor("click@example.com");

    const view = await getLinkConfirmation({ ctx: publicCtx(), input: { token } });
    expect(view).toMatchObject({ status: "pending", brand: "Acme Coffee", topicNames: ["Newsletter"] });
    expect(await state(person.id, "email", newsletter.id)).toBe("pending");

    const first = await confirmByLink({
      ctx: publicCtx(),
      input: { token, meta: { ip: "198.51.100.4", userAgent: "MailApp/2" } },
    });
    expect(first).toMatchObject({ status: "confirmed", changed: true });
    expect(await state(person.id, "email", newsletter.id)).toBe("opted_in");
    const confirmed = (await events(person.id)).filter((e) => e.action === "confirmed");
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]!.evidence).toMatchObject({
      ip: evidence.ip,
      userAgent: evidence.userAgent,
      url: evidence.url,
      formVersion: "f@v1",
      textHash: sha256Hex(evidence.text),
      confirmationIp: "198.51.100.4",
      confirmationUserAgent: "MailApp/2",
      confirmationMethod: "link",
    });
    expect(confirmed[0]!.actorType).toBe("contact");

    const before = (await events(person.id)).length;
    const second = await confirmByLink({ ctx: publicCtx(), input: { token, meta: { ip: "198.51.100.5" } } });
    expect(second).toMatchObject({ status: "confirmed", changed: false });
    expect((await events(person.id)).length).toBe(before);
  });

  it("concurrent clicks on one link record exactly one confirmation", async () => {
    const person = await contact({ email: "double@example.com" });
    await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    const token = transport.linkTokenFor("double@example.com");
    const results = await Promise.all([1, 2, 3].map(() => confirmByLink({ ctx: publicCtx(), input: { token } })));
    expect(results.filter((r) => r?.changed)).toHaveLength(1);
    expect((await events(person.id)).filter((e) => e.action === "confirmed")).toHaveLength(1);
  });

  it("an expired link confirms nothing and ends the pending request with an expired event", async () => {
    const person = await contact({ email: "late@example.com" });
    await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    const token = transport.linkTokenFor("late@example.com");
    const late = fixedClock(new Date(clock().getTime() + 48 * 3600_000 + 1000));
    expect(await getLinkConfirmation({ ctx: { db: handle.db, now: late }, input: { token } })).toMatchObject({
      status: "expired",
    });
    const result = await confirmByLink({ ctx: { db: handle.db, now: late }, input: { token } });
    expect(result).toMatchObject({ status: "expired", changed: false });
    expect(await state(person.id, "email", newsletter.id)).toBeNull();
    const actions = (await events(person.id)).map((e) => e.action);
    expect(actions).toEqual(["opted_in", "expired"]);
    // And again: still nothing new.
    await confirmByLink({ ctx: { db: handle.db, now: late }, input: { token } });
    expect((await events(person.id)).map((e) => e.action)).toEqual(["opted_in", "expired"]);
  });

  it("an unknown or altered token is not found", async () => {
    expect(await confirmByLink({ ctx: publicCtx(), input: { token: "x".repeat(43) } })).toBeNull();
    expect(await getLinkConfirmation({ ctx: publicCtx(), input: { token: "../etc/passwd" } })).toBeNull();
  });

  it("topics already confirmed are not asked again", async () => {
    const person = await contact({ email: "again@example.com" });
    await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    await confirmByLink({ ctx: publicCtx(), input: { token: transport.linkTokenFor("again@example.com") } });
    const sentBefore = transport.emails.length;
    const again = await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    expect(again.confirmationId).toBeNull();
    expect(transport.emails.length).toBe(sentBefore);
    expect(await state(person.id, "email", newsletter.id)).toBe("opted_in");
  });
});

describe("SMS double opt-in", () => {
  it("texts a 6-digit code with the brand and opt-out instructions; the right code confirms", async () => {
    const person = await contact({ phone: "(415) 555-0101" });
    const sent = await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "sms", topicRows: [promotions], source: "form", evidence },
    });
    const message = transport.sms.at(-1)!;
    expect(message.to).toBe("+14155550101");
    expect(message.body).toMatch(/^Acme Coffee: your confirmation code is \d{6}\./);
    expect(message.body).toContain("Reply STOP to opt out");
    const [row] = await handle.db
      .select()
      .from(consentConfirmations)
      .where(eq(consentConfirmations.id, sent.confirmationId!));
    const code = transport.codeFor("+14155550101");
    expect(row!.secretHash).toBe(sha256Hex(sent.confirmationId! + code));
    expect(row!.expiresAt.getTime() - clock().getTime()).toBe(15 * 60_000);
    expect(await state(person.id, "sms", promotions.id)).toBe("pending");

    const result = await confirmByCode({
      ctx: publicCtx(),
      input: { confirmationId: sent.confirmationId!, code: `${code.slice(0, 3)} ${code.slice(3)}` },
    });
    expect(result?.outcome).toBe("confirmed");
    expect(await state(person.id, "sms", promotions.id)).toBe("opted_in");
    const again = await confirmByCode({ ctx: publicCtx(), input: { confirmationId: sent.confirmationId!, code } });
    expect(again?.outcome).toBe("already_confirmed");
    expect((await events(person.id)).filter((e) => e.action === "confirmed")).toHaveLength(1);
  });

  it("a right code records the same confirmation as a link: original evidence plus the confirming request's, as the contact, audited once", async () => {
    const person = await contact({ phone: "(415) 555-0107" });
    const sent = await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "sms", topicRows: [promotions], source: "form", evidence },
    });
    const code = transport.codeFor("+14155550107");
    const meta = { ip: "198.51.100.9", ipSource: "socket" as const, userAgent: "Phone/3" };
    expect(
      (await confirmByCode({ ctx: publicCtx(), input: { confirmationId: sent.confirmationId!, code, meta } }))?.outcome,
    ).toBe("confirmed");
    expect(
      (await confirmByCode({ ctx: publicCtx(), input: { confirmationId: sent.confirmationId!, code, meta } }))?.outcome,
    ).toBe("already_confirmed");

    const confirmed = (await events(person.id)).filter((e) => e.action === "confirmed");
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]!).toMatchObject({
      channel: "sms",
      topicId: promotions.id,
      source: "form",
      actorType: "contact",
    });
    expect(confirmed[0]!.evidence).toMatchObject({
      ip: evidence.ip,
      userAgent: evidence.userAgent,
      url: evidence.url,
      formVersion: "f@v1",
      textHash: sha256Hex(evidence.text),
      confirmationId: sent.confirmationId,
      confirmationMethod: "code",
      confirmationIp: "198.51.100.9",
      confirmationIpSource: "socket",
      confirmationUserAgent: "Phone/3",
    });
    const audits = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "consent.confirmed"), eq(auditLog.targetId, person.id)));
    expect(audits).toHaveLength(1);
    expect(audits[0]!).toMatchObject({ actorType: "contact", targetType: "contact" });
  });

  it("five wrong codes lock the request with an expired event; the right code afterwards fails", async () => {
    const person = await contact({ phone: "+1 415 555 0102" });
    const sent = await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "sms", topicRows: [promotions], source: "form", evidence },
    });
    const code = transport.codeFor("+14155550102");
    const wrong = code === "000000" ? "111111" : "000000";
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await confirmByCode({
        ctx: publicCtx(),
        input: { confirmationId: sent.confirmationId!, code: wrong },
      });
      outcomes.push(`${result!.outcome}:${result!.attemptsLeft}`);
    }
    expect(outcomes).toEqual(["wrong_code:4", "wrong_code:3", "wrong_code:2", "wrong_code:1", "locked:0"]);
    expect((await events(person.id)).map((e) => e.action)).toEqual(["opted_in", "expired"]);
    expect(await state(person.id, "sms", promotions.id)).toBeNull();

    const right = await confirmByCode({ ctx: publicCtx(), input: { confirmationId: sent.confirmationId!, code } });
    expect(right?.outcome).toBe("locked");
    expect(await state(person.id, "sms", promotions.id)).toBeNull();
    expect((await events(person.id)).map((e) => e.action)).toEqual(["opted_in", "expired"]);
  });

  it("parallel guesses never exceed the attempt cap", async () => {
    const person = await contact({ phone: "+1 415 555 0103" });
    const sent = await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "sms", topicRows: [promotions], source: "form", evidence },
    });
    const code = transport.codeFor("+14155550103");
    const guesses = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, "0"));
    await Promise.all(
      guesses.map((g) => confirmByCode({ ctx: publicCtx(), input: { confirmationId: sent.confirmationId!, code: g } })),
    );
    const [row] = await handle.db
      .select()
      .from(consentConfirmations)
      .where(eq(consentConfirmations.id, sent.confirmationId!));
    expect(row!.attempts).toBe(5);
    expect(row!.closedAt).not.toBeNull();
    expect((await events(person.id)).filter((e) => e.action === "expired")).toHaveLength(1);
  });

  it("an expired code fails even when right", async () => {
    const person = await contact({ phone: "+1 415 555 0104" });
    const sent = await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "sms", topicRows: [promotions], source: "form", evidence },
    });
    const code = transport.codeFor("+14155550104");
    const late = fixedClock(new Date(clock().getTime() + 15 * 60_000));
    const result = await confirmByCode({
      ctx: { db: handle.db, now: late },
      input: { confirmationId: sent.confirmationId!, code },
    });
    expect(result?.outcome).toBe("expired");
    expect(await state(person.id, "sms", promotions.id)).toBeNull();
  });
});

describe("limits, resend and expiry", () => {
  it("a fourth confirmation message to one address within an hour is RATE_LIMITED, counted from the table", async () => {
    const person = await contact({ email: "limit@example.com" });
    const local = fixedClock("2026-11-21T08:00:00Z");
    const at = (c: typeof local) => ({ ...ctx, now: c });
    for (let i = 0; i < 3; i++) {
      await requestConfirmation({
        ctx: at(local),
        input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
      });
      local.advance(60_000);
    }
    await expect(
      requestConfirmation({
        ctx: at(local),
        input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
      }),
    ).rejects.toMatchObject({ code: "RATE_LIMITED" });
    expect(transport.emails.filter((e) => e.to === "limit@example.com")).toHaveLength(3);
    // The same address written another way is the same address.
    const sameAddress = await contact({ email: "LIMIT@Example.com" });
    expect(sameAddress.id).toBe(person.id);
    // An hour after the first one, a new request is allowed again.
    local.set("2026-11-21T09:00:30Z");
    await expect(
      requestConfirmation({
        ctx: at(local),
        input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
      }),
    ).resolves.toMatchObject({ method: "link" });
  });

  it("resend supersedes the old link: the old one no longer confirms, the new one does", async () => {
    const person = await contact({ email: "resend@example.com" });
    await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    const oldToken = transport.linkTokenFor("resend@example.com");
    const admin: SendingContext = { ...ctx, actor: { type: "system", job: "admin-test" } };
    const sent = await resendConfirmation({ ctx: admin, input: { contactId: person.id, channel: "email" } });
    const newToken = transport.linkTokenFor("resend@example.com");
    expect(newToken).not.toBe(oldToken);
    expect(sent.confirmationId).not.toBeNull();
    expect(await confirmByLink({ ctx: publicCtx(), input: { token: oldToken } })).toMatchObject({ status: "expired" });
    expect(await state(person.id, "email", newsletter.id)).toBe("pending");
    expect(await confirmByLink({ ctx: publicCtx(), input: { token: newToken } })).toMatchObject({
      status: "confirmed",
      changed: true,
    });
    expect(await state(person.id, "email", newsletter.id)).toBe("opted_in");
    await expect(
      resendConfirmation({ ctx: admin, input: { contactId: person.id, channel: "email" } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("expireConfirmations closes due requests once, ends pending, and leaves confirmed ones alone", async () => {
    const person = await contact({ email: "nightly@example.com" });
    const other = await contact({ email: "confirmed-early@example.com" });
    await requestConfirmation({
      ctx,
      input: { contactId: person.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    await requestConfirmation({
      ctx,
      input: { contactId: other.id, channel: "email", topicRows: [newsletter], source: "form", evidence },
    });
    await confirmByLink({ ctx: publicCtx(), input: { token: transport.linkTokenFor("confirmed-early@example.com") } });
    const later = fixedClock(new Date(clock().getTime() + 49 * 3600_000));
    const first = await expireConfirmations({ ctx: { db: handle.db, now: later } });
    expect(first.expired).toBeGreaterThanOrEqual(1);
    expect(await state(person.id, "email", newsletter.id)).toBeNull();
    expect(await state(other.id, "email", newsletter.id)).toBe("opted_in");
    const expiredEvents = (await events(person.id)).filter((e) => e.action === "expired");
    expect(expiredEvents).toHaveLength(1);
    expect(expiredEvents[0]!.actorType).toBe("system");
    expect(await expireConfirmations({ ctx: { db: handle.db, now: later } })).toEqual({ expired: 0 });
    expect((await events(person.id)).filter((e) => e.action === "expired")).toHaveLength(1);
  });
});
