import { InngestTestEngine } from "@inngest/test";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runWithJobContext } from "@/server/jobs/runner/context";
import { systemClock } from "@/server/lib/clock";
import { resetEnv } from "@/server/lib/env";
import { buildOutbox, getOutbox, installOutbox, type SendEvents } from "@/server/wiring";
import { rest } from "@/tests/helpers/http";
import { startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * The outbox is wired explicitly at start-up (server/wiring.ts): the dispatcher follows the
 * configuration, never which modules happened to be imported first.
 */
let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.settle();
  h.resend.reset();
  h.twilio.reset();
});
afterEach(() => {
  delete process.env.INNGEST_EVENT_KEY;
  resetEnv();
  installOutbox(h.outbox);
});

async function sendEmail() {
  const contactId = await h.contact({ email: uniqueEmail() });
  await h.optIn(contactId, "email", "news");
  const res = await rest("POST", "/messages/send_with_consent", {
    key: h.key,
    body: { contactId, channel: "email", topic: "news", content: { subject: "Hi", text: "Hello" } },
  });
  expect(res.body.status).toBe("queued");
  return res.body.messageId as string;
}

describe("the dispatcher is chosen at start-up", () => {
  it("with an Inngest server configured, every dispatch is an event, whatever was imported first", async () => {
    process.env.INNGEST_EVENT_KEY = "test-event-key";
    resetEnv();
    const events: Parameters<SendEvents>[0] = [];
    // The Inngest client's send, replaced: no network.
    const outbox = buildOutbox({
      transports: h.outbox.transports,
      sendEvents: async (batch) => void events.push(...batch),
    });
    expect(outbox.dispatcher.mode).toBe("events");
    installOutbox(outbox);

    // Nothing has imported the job functions in this file yet.
    const first = await sendEmail();
    await outbox.idle();
    expect(events.map((e) => ({ name: e.name, id: e.id, data: e.data }))).toEqual([
      {
        name: "messages/dispatch.requested",
        id: `dispatch-${first}`,
        data: { messageId: first, workspaceId: h.workspaceId },
      },
    ]);
    expect(h.resend.requests).toHaveLength(0);
    expect(await h.message(first)).toMatchObject({ status: "queued" });

    // Importing them (as /api/inngest and the runner do) changes nothing.
    const { dispatchMessageFunction } = await import("@/inngest/functions/dispatch-message");
    await import("@/inngest/functions");
    const second = await sendEmail();
    await outbox.idle();
    expect(events.map((e) => e.id)).toEqual([`dispatch-${first}`, `dispatch-${second}`]);
    expect(h.resend.requests).toHaveLength(0);

    // The job the event starts delivers through the process's outbox.
    const engine = new InngestTestEngine({ function: dispatchMessageFunction, events: [events[0]!] });
    const { error } = await runWithJobContext({ context: { db: h.handle.db, now: systemClock } }, () =>
      engine.execute(),
    );
    expect(error).toBeUndefined();
    expect(await h.message(first)).toMatchObject({ status: "sent", transport: "resend" });
    expect(h.resend.sent).toHaveLength(1);
    expect(await h.message(second)).toMatchObject({ status: "queued" });
  });

  it("the process's outbox is built from the configuration: events with an Inngest server, in-process without", () => {
    installOutbox(undefined);
    expect(getOutbox().dispatcher.mode).toBe("in-process");
    process.env.INNGEST_EVENT_KEY = "test-event-key";
    resetEnv();
    expect(getOutbox().dispatcher.mode).toBe("events");
    expect(getOutbox()).toBe(getOutbox());
  });

  it("without an Inngest server, dispatch delivers in this process", async () => {
    expect(h.outbox.dispatcher.mode).toBe("in-process");
    const id = await sendEmail();
    await h.settle();
    expect(await h.message(id)).toMatchObject({ status: "sent", transport: "resend" });
    expect(h.resend.sent).toHaveLength(1);
  });
});
