import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { consentStates, topics, webhookEvents } from "@/db/schema";
import { providerOf, webhookRequest } from "@/app/api/webhooks/_webhook";
import { systemClock } from "@/server/lib/clock";
import {
  backgroundThread,
  BackgroundThreadGone,
  setBackgroundThread,
  type BackgroundThread,
} from "@/server/services/background-thread";
import {
  bufferedWebhookRequest,
  receiveDeliveryWebhook,
  receiveInboundWebhook,
  webhookDrainIdle,
  type BufferedWebhookCall,
} from "@/server/services/webhooks";
import { resendWebhookRequest, TEST_SVIX_SECRET } from "@/tests/helpers/svix-signature";
import { twilioRequest } from "@/tests/helpers/twilio-signature";
import { startSendHarness, TWILIO_FROM, uniquePhone, type SendHarness } from "./send-harness";

/**
 * On PostgreSQL a webhook call is read on the main thread and taken whole (verified, parsed,
 * stored or acted on) by the background thread (docs/development.md "Webhooks"). What crosses between the two is plain
 * data (`BufferedWebhookCall`, structured-cloned here as `postMessage` clones it), and the answer
 * and the effect must be those of the main-thread path: a genuine call is stored once and wakes
 * the drain on the thread's side, a forged or too large one stores nothing, and when the thread
 * is gone the call is taken on the main thread from the body already read.
 */
let h: SendHarness;
const TWILIO_AUTH_TOKEN = "twilio-test-token";
const STATUS_URL = "http://localhost:3000/api/webhooks/twilio/status";
const RESEND_URL = "http://localhost:3000/api/webhooks/resend";
const INBOUND_URL = "http://localhost:3000/api/webhooks/twilio/inbound";

beforeAll(async () => {
  process.env.RESEND_WEBHOOK_SECRET = TEST_SVIX_SECRET;
  h = await startSendHarness();
});
afterEach(() => setBackgroundThread(undefined));
afterAll(async () => {
  await webhookDrainIdle();
  await h.close();
  delete process.env.RESEND_WEBHOOK_SECRET;
});

const ctx = () => ({ db: h.handle.db, now: systemClock, outbox: h.outbox });

/**
 * A stand-in for the thread: it records what it was handed, clones it as `postMessage` would and
 * runs the same service on it, with the thread's own wake-up; `gone` makes it stop instead.
 */
function fakeThread(options: { gone?: boolean } = {}) {
  const calls: (BufferedWebhookCall & { kind: string })[] = [];
  let threadWakes = 0;
  const thread: BackgroundThread = {
    db: h.handle.db,
    async receiveWebhook(kind, call) {
      calls.push({ ...call, kind });
      if (options.gone) throw new BackgroundThreadGone();
      const copy = structuredClone(call);
      const input = { provider: copy.provider, request: bufferedWebhookRequest(copy), onStored: () => threadWakes++ };
      // The thread has no thread of its own: uninstalled while the service picks its path.
      setBackgroundThread(undefined);
      const answer =
        kind === "delivery"
          ? receiveDeliveryWebhook({ ctx: ctx(), input })
          : receiveInboundWebhook({ ctx: { ...ctx(), requestId: copy.requestId }, input });
      setBackgroundThread(thread);
      return answer;
    },
    wake: () => undefined,
    idle: async () => undefined,
    drainActive: false,
    deliver: () => false,
    deliveryIdle: async () => undefined,
  };
  setBackgroundThread(thread);
  return { calls, wakes: () => threadWakes };
}

/** The route's path: the call as the route builds it, and how often the route's own wake-up ran. */
async function ack(request: Request) {
  let routeWakes = 0;
  const answer = await (request.url === INBOUND_URL ? receiveInboundWebhook : receiveDeliveryWebhook)({
    ctx: { ...ctx(), requestId: "req-handoff" },
    input: {
      provider: providerOf(request),
      request: webhookRequest(request, new Date()),
      onStored: () => routeWakes++,
    },
  });
  return { answer: answer!, routeWakes };
}

const sid = () => `SM${crypto.randomUUID().replaceAll("-", "")}`;
const twilioStatus = (messageSid: string, extra: Record<string, string> = {}, tamper?: Record<string, string>) =>
  twilioRequest(
    STATUS_URL,
    {
      MessageSid: messageSid,
      MessageStatus: "delivered",
      AccountSid: "AC0123456789abcdef0123456789abcdef",
      ...extra,
    },
    { authToken: TWILIO_AUTH_TOKEN, tamper },
  );
const storedFor = (providerMessageId: string) =>
  h.handle.db.select().from(webhookEvents).where(eq(webhookEvents.providerMessageId, providerMessageId));

describe("delivery webhooks handed to the background thread", () => {
  it("a genuine call is read here, stored there once, and wakes the thread's drain, not the route's", async () => {
    const thread = fakeThread();
    const messageSid = sid();
    const first = await ack(twilioStatus(messageSid));
    expect(first.answer.status).toBe(200);
    expect(first.answer.contentType).toMatch(/xml/);
    expect(first.routeWakes).toBe(0);
    expect(thread.wakes()).toBe(1);
    expect(thread.calls).toHaveLength(1);
    const [call] = thread.calls;
    expect(call).toMatchObject({ provider: "twilio", pathWithQuery: "/api/webhooks/twilio/status" });
    expect(call!.body).toContain(`MessageSid=${messageSid}`);
    expect(new Headers(call!.headers).get("x-twilio-signature")).toBeTruthy();
    expect(call!.receivedAt).toBeInstanceOf(Date);
    expect(await storedFor(messageSid)).toHaveLength(1);

    // A redelivery: answered the same, nothing new stored, no wake-up.
    const again = await ack(twilioStatus(messageSid));
    expect(again.answer.status).toBe(200);
    expect(thread.wakes()).toBe(1);
    expect(await storedFor(messageSid)).toHaveLength(1);
  });

  it("Svix-signed events keep their signature headers across the hand-off", async () => {
    const thread = fakeThread();
    const emailId = crypto.randomUUID();
    const at = new Date().toISOString();
    const request = resendWebhookRequest(
      RESEND_URL,
      { type: "email.delivered", created_at: at, data: { email_id: emailId, created_at: at } },
      { id: `msg_${emailId.slice(0, 8)}` },
    );
    const { answer } = await ack(request);
    expect(answer.status).toBe(200);
    expect(thread.calls[0]!.provider).toBe("resend");
    expect(await storedFor(emailId)).toHaveLength(1);
  });

  it("a forged call, an oversized one and an unknown provider are refused there and store nothing", async () => {
    const thread = fakeThread();
    const forged = sid();
    const refused = await ack(twilioStatus(forged, {}, { MessageStatus: "failed" }));
    expect(refused.answer.status).toBe(403);
    expect(await storedFor(forged)).toHaveLength(0);

    // Larger than Twilio's 64 KB, smaller than what the main thread reads for any provider.
    const large = sid();
    const oversized = await ack(twilioStatus(large, { Padding: "x".repeat(70 * 1024) }));
    expect(oversized.answer.status).toBe(403);
    expect(thread.calls.at(-1)!.body).not.toBeNull();
    expect(await storedFor(large)).toHaveLength(0);

    const unknown = await receiveDeliveryWebhook({
      ctx: ctx(),
      input: {
        provider: "nobody",
        request: webhookRequest(twilioStatus(sid()), new Date()),
      },
    });
    expect(unknown).toBeNull();
    expect(thread.wakes()).toBe(0);
  });

  it("when the thread is gone, the call is taken here from the body already read", async () => {
    const thread = fakeThread({ gone: true });
    const messageSid = sid();
    const taken = await ack(twilioStatus(messageSid));
    expect(thread.calls).toHaveLength(1);
    expect(taken.answer.status).toBe(200);
    expect(taken.routeWakes).toBe(1);
    expect(await storedFor(messageSid)).toHaveLength(1);

    const large = sid();
    const oversized = await ack(twilioStatus(large, { Padding: "x".repeat(70 * 1024) }));
    expect(oversized.answer.status).toBe(403);
    expect(await storedFor(large)).toHaveLength(0);
    expect(backgroundThread(h.handle.db)).toBeDefined();
  });

  it("a text to our number is taken there whole: a STOP is in force when its reply is answered", async () => {
    const thread = fakeThread();
    const phone = uniquePhone();
    const contactId = await h.contact({ phone });
    await h.optIn(contactId, "sms", "news");
    const inbound = (body: string) =>
      twilioRequest(
        INBOUND_URL,
        {
          MessageSid: sid(),
          AccountSid: "AC0123456789abcdef0123456789abcdef",
          From: phone,
          To: TWILIO_FROM,
          Body: body,
          NumMedia: "0",
        },
        { authToken: TWILIO_AUTH_TOKEN },
      );

    const stop = await ack(inbound("STOP"));
    expect(stop.answer.status).toBe(200);
    expect(stop.answer.body).toMatch(/<Message>[^<]+<\/Message>/);
    expect(thread.calls.at(-1)).toMatchObject({ kind: "inbound", requestId: "req-handoff" });
    const states = await h.handle.db
      .select({ status: consentStates.status })
      .from(consentStates)
      .innerJoin(topics, eq(topics.id, consentStates.topicId))
      .where(and(eq(consentStates.contactId, contactId), eq(consentStates.channel, "sms"), eq(topics.key, "news")));
    const state = states[0];
    expect(state?.status).toBe("opted_out");

    // A plain reply: stored there, and the drain woken there.
    const reply = await ack(inbound("Thanks, see you"));
    expect(reply.answer.status).toBe(200);
    expect(reply.answer.body).not.toMatch(/<Message>/);
    expect(reply.routeWakes).toBe(0);
    expect(thread.wakes()).toBe(1);
  });
});
