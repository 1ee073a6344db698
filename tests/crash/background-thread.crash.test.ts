import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { twilioSignature } from "@/tests/helpers/twilio-signature";
import { startTwilioStub, type TwilioStub } from "@/tests/helpers/twilio-stub";
import { CRASH_TWILIO_FROM, CRASH_TWILIO_SID, startCrashServer, waitFor, type CrashServer } from "./harness";

/**
 * The production server on PostgreSQL takes webhook calls, runs the webhook drain and delivers in
 * process on its background thread (server/jobs/thread), with connections of its own. Through
 * the real routes: a send is delivered, a status callback is applied moments after its
 * acknowledgement, a redelivery stores nothing, a forged call is refused and a malformed one is a 400, a STOP is in effect when its answer arrives (the answer carries the
 * confirmation, the next send is blocked), and after a SIGKILL and restart the thread is back, a
 * START re-subscribes and a plain reply is recorded.
 */

const AUTH_TOKEN = "crash-twilio-token";
let twilio: TwilioStub;
let server: CrashServer;

beforeAll(async () => {
  twilio = await startTwilioStub();
  server = await startCrashServer({
    env: {
      TWILIO_ACCOUNT_SID: CRASH_TWILIO_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM: CRASH_TWILIO_FROM,
      TWILIO_API_BASE_URL: twilio.url,
    },
  });
  await server.start();
});

afterAll(async () => {
  await server?.close();
  await twilio?.close();
});

/** A Twilio webhook call signed as Twilio signs it (over PUBLIC_URL + path). */
async function twilioPost(path: string, params: Record<string, string>) {
  const url = `${server.url}${path}`;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": twilioSignature(url, params, AUTH_TOKEN),
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, text: await res.text() };
}

let sidCounter = 0;
const inbound = (from: string, body: string) =>
  twilioPost("/api/webhooks/twilio/inbound", {
    MessageSid: `SM${Date.now().toString(16)}${(++sidCounter).toString().padStart(6, "0")}`,
    AccountSid: CRASH_TWILIO_SID,
    From: from,
    To: CRASH_TWILIO_FROM,
    Body: body,
    NumMedia: "0",
  });

const threadConnections = async () =>
  (
    await server.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
       where datname = current_database() and application_name = 'optin-background-thread'`
  )[0]!.n;

async function sendSms(contactId: string) {
  const sent = await server.api("POST", "/messages/send_with_consent", {
    contactId,
    channel: "sms",
    topic: "account-notices",
    kind: "transactional",
    content: { text: "Your code is 123456" },
  });
  expect(sent.status).toBe(200);
  return sent.body as { messageId: string; status: string; reason?: string };
}

describe("the background thread (PostgreSQL)", () => {
  it("delivers, applies a status moments after its ack, has a STOP in effect when answered, and survives a SIGKILL", async () => {
    const phone = "+14155550181";
    const topic = await server.api("POST", "/topics", {
      key: "thread-promos",
      name: "Thread promos",
      channels: ["sms"],
      kind: "marketing",
      requiresDoubleOptIn: false,
    });
    expect(topic.status).toBe(200);
    const contact = await server.api("POST", "/contacts", { phone });
    expect(contact.status).toBe(200);
    const contactId = contact.body.id as string;
    for (const topicKey of ["thread-promos", "account-notices"]) {
      const consent = await server.api("POST", `/contacts/${contactId}/consent`, {
        channel: "sms",
        topic: topicKey,
        status: "opted_in",
        source: "api",
        evidence: { text: "Text me", note: "crash test" },
      });
      expect(consent.status).toBe(200);
    }

    // A delivered status callback, applied by the drain on the thread (the minute job would take up to a minute).
    const first = await sendSms(contactId);
    expect(first.status).toBe("queued");
    const sid = await waitFor("the SMS to be handed to Twilio", async () => {
      const [row] = await server.sql<{ sid: string | null }[]>`
        select provider_message_id as sid from messages where id = ${first.messageId}::uuid and status = 'sent'`;
      return row?.sid ?? undefined;
    });
    const ackedAt = Date.now();
    const status = await twilioPost("/api/webhooks/twilio/status", {
      MessageSid: sid,
      MessageStatus: "delivered",
      AccountSid: CRASH_TWILIO_SID,
      From: CRASH_TWILIO_FROM,
      To: phone,
    });
    expect(status.status).toBe(200);
    await waitFor(
      "the delivered status to be applied",
      async () => {
        const [row] = await server.sql<
          { status: string }[]
        >`select status from messages where id = ${first.messageId}::uuid`;
        return row?.status === "delivered";
      },
      10_000,
      50,
    );
    expect(Date.now() - ackedAt).toBeLessThan(10_000);
    expect(await threadConnections()).toBeGreaterThan(0);

    // Calls are verified on the thread: a redelivery is answered and stores nothing new, a forged
    // call is refused with nothing stored, a malformed keyword is a 400.
    const deliveredParams = {
      MessageSid: sid,
      MessageStatus: "delivered",
      AccountSid: CRASH_TWILIO_SID,
      From: CRASH_TWILIO_FROM,
      To: phone,
    };
    expect((await twilioPost("/api/webhooks/twilio/status", deliveredParams)).status).toBe(200);
    const forged = await fetch(`${server.url}/api/webhooks/twilio/status`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilioSignature(`${server.url}/api/webhooks/twilio/status`, deliveredParams, AUTH_TOKEN),
      },
      body: new URLSearchParams({ ...deliveredParams, MessageStatus: "failed" }).toString(),
    });
    expect(forged.status).toBe(403);
    const stored = await server.sql<{ type: string }[]>`
      select type from webhook_events where provider = 'twilio' and provider_message_id = ${sid}`;
    expect(stored.map((row) => row.type)).toEqual(["delivered"]);
    const malformed = await twilioPost("/api/webhooks/twilio/inbound", {
      MessageSid: `SM${Date.now().toString(16)}ffffff`,
      AccountSid: CRASH_TWILIO_SID,
      From: "",
      To: CRASH_TWILIO_FROM,
      Body: "STOP",
    });
    expect(malformed.status, server.output().slice(-3000)).toBe(400);

    // STOP: the confirmation is in the answer, and the state changed before it was sent.
    const stop = await inbound(phone, "STOP");
    expect(stop.status).toBe(200);
    expect(stop.text).toMatch(/<Message>[^<]*unsubscribed[^<]*<\/Message>/i);
    const states = await server.sql<{ status: string }[]>`
      select cs.status from consent_states cs join topics t on t.id = cs.topic_id
       where cs.contact_id = ${contactId}::uuid and t.key = 'thread-promos' and cs.channel = 'sms'`;
    expect(states.map((s) => s.status)).toEqual(["opted_out"]);
    const blocked = await sendSms(contactId);
    expect(blocked.status).toBe("blocked");

    // SIGKILL and restart: the thread is back, and START re-subscribes what STOP removed.
    await server.kill();
    await server.start();
    await waitFor("the background thread to connect again", async () => (await threadConnections()) > 0);
    const start = await inbound(phone, "START");
    expect(start.status).toBe(200);
    expect(start.text).toMatch(/<Message>[^<]+<\/Message>/);
    const after = await server.sql<{ status: string }[]>`
      select cs.status from consent_states cs join topics t on t.id = cs.topic_id
       where cs.contact_id = ${contactId}::uuid and t.key = 'thread-promos' and cs.channel = 'sms'`;
    expect(after.map((s) => s.status)).toEqual(["opted_in"]);
    // A plain reply is stored at once and recorded by the thread's drain moments later.
    const reply = await inbound(phone, "Thanks!");
    expect(reply.status).toBe(200);
    await waitFor(
      "the plain reply to be recorded",
      async () => {
        const [row] = await server.sql<{ n: number }[]>`
          select count(*)::int as n from messages where contact_id = ${contactId}::uuid and direction = 'inbound'`;
        return (row?.n ?? 0) >= 3 ? true : undefined;
      },
      10_000,
      50,
    );
  });
});
