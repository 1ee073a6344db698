import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consentConfirmations, consentStates, messages, topics, type MessageRow, type TopicRow } from "@/db/schema";
import { blindIndex } from "@/server/lib/crypto";
import { sendSignInLink, SignInLinkNotSentError } from "@/server/services/auth/send-sign-in-link";
import { confirmByCode } from "@/server/services/confirmations/confirm-by-code";
import { confirmByLink } from "@/server/services/confirmations/confirm-by-link";
import { requestConfirmation } from "@/server/services/confirmations/request-confirmation";
import { inviteMember } from "@/server/services/invitations/invite-member";
import { sweepDueMessages } from "@/server/services/messages/sweep-due-messages";
import { suppressAddress } from "@/server/services/suppressions/suppress-address";
import { createMember } from "@/tests/factories";
import { getOutbox } from "@/server/wiring";
import { startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

/**
 * The same messages through the real Resend and Twilio SDKs against the local stubs: a suppressed
 * address never reaches a provider, and a 503 is retried by the outbox (backoff, then the sweep)
 * with the message id as the idempotency key on every attempt.
 */

let h: SendHarness;
let news: TopicRow;
const evidence = {
  ip: "203.0.113.20",
  userAgent: "Mozilla/5.0 (retry test)",
  url: "https://shop.test/signup",
  text: "Yes, send me news.",
  formVersion: "f@v2",
};

beforeAll(async () => {
  h = await startSendHarness();
  const [row] = await h.handle.db
    .select()
    .from(topics)
    .where(and(eq(topics.workspaceId, h.workspaceId), eq(topics.key, "news")));
  news = row!;
});
afterAll(async () => {
  await h?.close();
});

const resendCallsFor = (messageId: string) =>
  h.resend.requests.filter((r) => r.headers["idempotency-key"] === messageId);
const twilioCallsFor = (messageId: string) => h.twilio.requests.filter((r) => r.idempotencyToken === messageId);
/** The sweep as it runs once the first retry delay has passed. */
const sweepLater = (minutes = 2) =>
  sweepDueMessages({
    ctx: { db: h.handle.db, now: () => new Date(Date.now() + minutes * 60_000), outbox: getOutbox() },
  });

async function confirmationMessage(confirmationId: string): Promise<MessageRow> {
  const [confirmation] = await h.handle.db
    .select()
    .from(consentConfirmations)
    .where(eq(consentConfirmations.id, confirmationId));
  return h.message(confirmation!.messageId!);
}

async function expectRetriedOnce(row: MessageRow, calls: (id: string) => { status: number }[], ok: number) {
  expect(row).toMatchObject({ status: "queued", attempts: 1 });
  expect(row.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
  expect(calls(row.id).map((c) => c.status)).toEqual([503]);
  const summary = await sweepLater();
  expect(summary.sent).toBeGreaterThanOrEqual(1);
  expect(await h.message(row.id)).toMatchObject({ status: "sent", attempts: 2 });
  expect(calls(row.id).map((c) => c.status)).toEqual([503, ok]);
  expect((await h.events(row.id)).map((e) => e.status)).toEqual([
    "queued",
    "sending",
    "retry_scheduled",
    "sending",
    "sent",
  ]);
}

describe("a confirmation to a suppressed address", () => {
  it("email: blocked with reason suppressed, recorded with its request, never at the provider", async () => {
    const email = uniqueEmail();
    const contactId = await h.contact({ email });
    await suppressAddress({
      ctx: h.ctx(),
      input: {
        channel: "email",
        addressHash: blindIndex(h.workspaceId, "email", email),
        reason: "hard_bounce",
        source: "test",
      },
    });
    const before = h.resend.requests.length;

    const sent = await requestConfirmation({
      ctx: h.ctx(),
      input: { contactId, channel: "email", topicRows: [news], source: "form", evidence },
    });
    // The same answer as for any address: a sign-up form never tells that an address is suppressed.
    expect(sent).toMatchObject({
      channel: "email",
      method: "link",
      sentTo: expect.stringMatching(/^p•••@example\.com$/),
    });
    const row = await confirmationMessage(sent.confirmationId!);
    expect(row).toMatchObject({
      status: "blocked",
      reason: "suppressed",
      kind: "transactional",
      contactId,
      transport: null,
      attempts: 0,
      options: { purpose: "double_opt_in" },
    });
    expect(row.decision).toMatchObject({ outcome: "block", reason: "suppressed" });
    expect(row.decision!.checks).toContain("suppression: suppressed (hard_bounce)");
    expect((await h.events(row.id)).map((e) => e.status)).toEqual(["blocked"]);
    await h.settle();
    await sweepLater(60);
    expect(h.resend.requests.length).toBe(before);
    expect(h.resend.sent.filter((s) => JSON.stringify(s.body).includes(email))).toHaveLength(0);
    // The request itself is recorded: pending, which is not consent.
    const [state] = await h.handle.db
      .select()
      .from(consentStates)
      .where(and(eq(consentStates.contactId, contactId), eq(consentStates.topicId, news.id)));
    expect(state!.status).toBe("pending");
  });

  it("SMS: a number that texted STOP gets no code", async () => {
    const phone = uniquePhone();
    const contactId = await h.contact({ phone });
    await suppressAddress({
      ctx: h.ctx(),
      input: {
        channel: "sms",
        addressHash: blindIndex(h.workspaceId, "phone", phone),
        reason: "sms_stop",
        source: "test",
      },
    });
    const before = h.twilio.requests.length;
    const sent = await requestConfirmation({
      ctx: h.ctx(),
      input: { contactId, channel: "sms", topicRows: [news], source: "form", evidence },
    });
    const row = await confirmationMessage(sent.confirmationId!);
    expect(row).toMatchObject({ status: "blocked", reason: "suppressed", channel: "sms" });
    await sweepLater(60);
    expect(h.twilio.requests.length).toBe(before);
  });

  it("a suppression recorded after the request but before delivery still stops it (late check)", async () => {
    const email = uniqueEmail();
    const contactId = await h.contact({ email });
    h.resend.failNext(503);
    const sent = await requestConfirmation({
      ctx: h.ctx(),
      input: { contactId, channel: "email", topicRows: [news], source: "form", evidence },
    });
    const row = await confirmationMessage(sent.confirmationId!);
    expect(row.status).toBe("queued");
    await suppressAddress({
      ctx: h.ctx(),
      input: {
        channel: "email",
        addressHash: blindIndex(h.workspaceId, "email", email),
        reason: "complaint",
        source: "test",
      },
    });
    await sweepLater();
    expect(await h.message(row.id)).toMatchObject({ status: "blocked", reason: "suppressed" });
    expect(resendCallsFor(row.id).map((c) => c.status)).toEqual([503]);
  });
});

describe("retried by the outbox after a 503", () => {
  it("a confirmation link", async () => {
    const email = uniqueEmail();
    const contactId = await h.contact({ email });
    h.resend.failNext(503);
    const sent = await requestConfirmation({
      ctx: h.ctx(),
      input: { contactId, channel: "email", topicRows: [news], source: "form", evidence },
    });
    expect(sent.sentTo).toMatch(/•••@example\.com$/);
    const row = await confirmationMessage(sent.confirmationId!);
    await expectRetriedOnce(row, resendCallsFor, 200);
    const [delivered] = h.resend.sent.filter((s) => s.headers["idempotency-key"] === row.id);
    expect(delivered!.body).toMatchObject({ to: [email] });
    expect(delivered!.body.from).toMatch(/^"Workspace [^"]+" <news@example\.com>$/);
    const token = /\/confirm\/([A-Za-z0-9_-]{43})/.exec(delivered!.body.text)![1]!;
    expect(await confirmByLink({ ctx: { db: h.handle.db, now: () => new Date() }, input: { token } })).toMatchObject({
      status: "confirmed",
      changed: true,
    });
  });

  it("a confirmation code", async () => {
    const phone = uniquePhone();
    const contactId = await h.contact({ phone });
    h.twilio.failNext({ status: 503 });
    const sent = await requestConfirmation({
      ctx: h.ctx(),
      input: { contactId, channel: "sms", topicRows: [news], source: "form", evidence },
    });
    const row = await confirmationMessage(sent.confirmationId!);
    await expectRetriedOnce(row, twilioCallsFor, 201);
    const [delivered] = h.twilio.sent.filter((m) => m.idempotencyToken === row.id);
    expect(delivered!.form.To).toBe(phone);
    const code = /code is (\d{6})/.exec(delivered!.form.Body!)![1]!;
    expect(
      await confirmByCode({
        ctx: { db: h.handle.db, now: () => new Date() },
        input: { confirmationId: sent.confirmationId!, code },
      }),
    ).toMatchObject({
      outcome: "confirmed",
    });
  });

  it("an invitation", async () => {
    const owner = await createMember(h.handle.db, h.workspaceId, "owner");
    h.resend.failNext(503);
    const email = uniqueEmail();
    const invited = await inviteMember({ ctx: owner.ctx, input: { email, role: "viewer" } });
    expect(invited).toMatchObject({ emailed: false, delivery: "retrying" });
    const row = await h.message(invited.messageId!);
    expect(row).toMatchObject({ kind: "system", options: { purpose: "invitation" } });
    await expectRetriedOnce(row, resendCallsFor, 200);
    const [delivered] = h.resend.sent.filter((s) => s.headers["idempotency-key"] === row.id);
    expect(delivered!.body).toMatchObject({ to: [email], from: "Test Sender <news@example.com>" });
    expect(delivered!.body.text).toContain(invited.inviteUrl);

    // Sent at once when the provider answers: emailed.
    const next = await inviteMember({ ctx: owner.ctx, input: { email: uniqueEmail(), role: "viewer" } });
    expect(next).toMatchObject({ emailed: true, delivery: "emailed" });
    expect(await h.message(next.messageId!)).toMatchObject({ status: "sent", transport: "resend" });
  });

  it("a sign-in link: the browser is told it did not go out, and the outbox delivers it", async () => {
    const member = await createMember(h.handle.db, h.workspaceId, "marketer");
    h.resend.failNext(503);
    const url = "http://localhost:3000/api/auth/callback/email?token=t0k3n&email=m";
    await expect(
      sendSignInLink({
        ctx: { db: h.handle.db, now: () => new Date(), outbox: getOutbox() },
        input: { email: member.user.email, url, expires: new Date(Date.now() + 15 * 60_000) },
      }),
    ).rejects.toBeInstanceOf(SignInLinkNotSentError);
    const [row] = await h.handle.db
      .select()
      .from(messages)
      .where(and(eq(messages.userId, member.user.id), eq(messages.kind, "system")));
    expect(row).toMatchObject({ workspaceId: h.workspaceId, options: { purpose: "magic_link" } });
    await expectRetriedOnce(row!, resendCallsFor, 200);
    const [delivered] = h.resend.sent.filter((s) => s.headers["idempotency-key"] === row!.id);
    expect(delivered!.body).toMatchObject({ to: [member.user.email], subject: "Your OptIn Manager sign-in link" });
    expect(delivered!.body.text).toContain(url);
  });
});
