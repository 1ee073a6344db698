import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startResendStub, type ResendStub } from "@/tests/helpers/resend-stub";
import { startTwilioStub, type TwilioStub } from "@/tests/helpers/twilio-stub";
import { CRASH_TWILIO_FROM, CRASH_TWILIO_SID, startCrashServer, waitFor, type CrashServer } from "./harness";

/**
 * Issue: emails first handed to Resend in one batch call were re-sent one by one under new keys
 * after a crash, so recipients got them twice. Here the provider holds the batch call (and an SMS
 * call) open, the production server is SIGKILLed, the provider then completes the calls (it
 * delivers, as a real provider does when the caller vanished), and the server restarts: its sweep
 * replays the calls. Each recipient must receive exactly one message.
 */

let resend: ResendStub;
let twilio: TwilioStub;
let server: CrashServer;

beforeAll(async () => {
  resend = await startResendStub();
  twilio = await startTwilioStub();
  server = await startCrashServer({
    env: {
      RESEND_API_KEY: "re_crash_key",
      RESEND_BASE_URL: resend.url,
      TWILIO_ACCOUNT_SID: CRASH_TWILIO_SID,
      TWILIO_AUTH_TOKEN: "crash-twilio-token",
      TWILIO_FROM: CRASH_TWILIO_FROM,
      TWILIO_API_BASE_URL: twilio.url,
      // The killed server's `sending` rows are taken for abandoned after 2 s instead of 5 minutes.
      DELIVERY_STUCK_SECONDS: "2",
    },
  });
  await server.start();
});

afterAll(async () => {
  resend?.release();
  twilio?.release();
  await server?.close();
  await resend?.close();
  await twilio?.close();
});

async function contactWithConsent(
  address: { email?: string; phone?: string },
  channel: "email" | "sms",
  topic: string,
): Promise<string> {
  const contact = await server.api("POST", "/contacts", address);
  expect(contact.status).toBe(200);
  const consent = await server.api("POST", `/contacts/${contact.body.id}/consent`, {
    channel,
    topic,
    status: "opted_in",
    source: "api",
    evidence: { text: "Yes, send me news", note: "crash test" },
  });
  expect(consent.status).toBe(200);
  return contact.body.id as string;
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

describe("SIGKILL while the provider holds the call", () => {
  it("a Resend batch call and a Twilio call: after the restart each recipient has exactly one message", async () => {
    const topic = await server.api("POST", "/topics", {
      key: "crash-news",
      name: "Crash news",
      channels: ["email", "sms"],
      kind: "marketing",
      requiresDoubleOptIn: false,
    });
    expect(topic.status).toBe(200);

    const emails = Array.from({ length: 5 }, (_, i) => `crash-${i}-${Date.now().toString(36)}@example.com`);
    const emailContacts: string[] = [];
    for (const email of emails) emailContacts.push(await contactWithConsent({ email }, "email", "crash-news"));
    const phones = ["+14155550101", "+14155550102"];
    const smsContacts: string[] = [];
    for (const phone of phones) smsContacts.push(await contactWithConsent({ phone }, "sms", "account-notices"));

    resend.holdNext(1);
    twilio.holdNext(phones.length);
    const batch = await server.api("POST", "/messages/send_batch", {
      channel: "email",
      topic: "crash-news",
      content: { subject: "Hello", text: "One email each, whatever happens" },
      recipients: emailContacts.map((contactId) => ({ contactId })),
    });
    expect(batch.status).toBe(200);
    expect(batch.body.outcomes.map((o: { status: string }) => o.status)).toEqual(emails.map(() => "queued"));
    const smsIds: string[] = [];
    for (const contactId of smsContacts) {
      const sms = await server.api("POST", "/messages/send_with_consent", {
        contactId,
        channel: "sms",
        topic: "account-notices",
        kind: "transactional",
        content: { text: "Your code is 123456" },
      });
      expect(sms.status).toBe(200);
      expect(sms.body.status).toBe("queued");
      smsIds.push(sms.body.messageId);
    }

    await resend.waitForHeld(1);
    await twilio.waitForHeld(phones.length);
    const killedAt = Date.now();
    await server.kill();
    // The provider finishes the calls the dead server made: the messages are delivered once.
    resend.release();
    twilio.release();
    await waitFor(
      "the stubs to record the held calls",
      async () => resend.deliveries().length === emails.length && twilio.deliveries().length === phones.length,
    );

    const messageIds = [...batch.body.outcomes.map((o: { messageId: string }) => o.messageId), ...smsIds];
    const stuck = await server.sql<{ status: string; provider_batch_key: string | null; channel: string }[]>`
      select status, provider_batch_key, channel from messages where id = any(${messageIds}::uuid[])`;
    expect(stuck.every((m) => m.status === "sending")).toBe(true);
    expect(new Set(stuck.filter((m) => m.channel === "email").map((m) => m.provider_batch_key)).size).toBe(1);
    expect(stuck.find((m) => m.channel === "email")!.provider_batch_key).toMatch(/^batch-/);

    await server.start();
    await waitFor(
      "every message to be recorded as sent after the restart",
      async () => {
        const rows = await server.sql<
          { n: number }[]
        >`select count(*)::int as n from messages where id = any(${messageIds}::uuid[]) and status = 'sent'`;
        return rows[0]!.n === messageIds.length;
      },
      150_000,
      500,
    );
    console.info(`crash → every message recorded as sent: ${Math.round((Date.now() - killedAt) / 1000)} s`);

    // Email: the replay used the same batch key and body; nothing went one by one.
    const emailCalls = resend.requests.filter((r) => r.path.startsWith("/emails"));
    expect(emailCalls.length).toBeGreaterThanOrEqual(2);
    expect(emailCalls.every((c) => c.path === "/emails/batch")).toBe(true);
    expect(new Set(emailCalls.map((c) => c.headers["idempotency-key"])).size).toBe(1);
    const emailDeliveries = resend.deliveries();
    expect(new Set(emailDeliveries.map((d) => d.key)).size).toBe(1);
    expect([...countBy(emailDeliveries, (d) => d.to).entries()].sort()).toEqual(
      emails.map((e) => [e, 1] as const).sort(),
    );

    // SMS: every attempt of one message carried its id as I-Twilio-Idempotency-Token.
    for (const id of smsIds) {
      const attempts = twilio.requests.filter((r) => r.idempotencyToken === id);
      expect(attempts.length).toBeGreaterThanOrEqual(2);
    }
    expect(twilio.requests.every((r) => r.idempotencyToken && smsIds.includes(r.idempotencyToken))).toBe(true);
    const smsDeliveries = twilio.deliveries();
    expect(new Set(smsDeliveries.map((d) => d.key))).toEqual(new Set(smsIds));
    expect([...countBy(smsDeliveries, (d) => d.to).entries()].sort()).toEqual(
      phones.map((p) => [p, 1] as const).sort(),
    );
  });
});
