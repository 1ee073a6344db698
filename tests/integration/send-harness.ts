import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { messageEvents, messages, topics, type Channel, type TopicKind } from "@/db/schema";
import { systemClock, type Clock } from "@/server/lib/clock";
import { closeDb, setDbHandle } from "@/server/lib/db";
import { resetEnv } from "@/server/lib/env";
import { recordConsentChange } from "@/server/services/consent/record-consent-change";
import { upsertContact } from "@/server/services/contacts";
import type { Outbox, SendingContext } from "@/server/services/context";
import { buildOutbox, installOutbox } from "@/server/wiring";
import { createApiKeyFor, createWorkspace, systemContext } from "@/tests/factories";
import { createTestDb } from "@/tests/helpers/db";
import { startResendStub, type ResendStub } from "@/tests/helpers/resend-stub";
import { startTwilioStub, type TwilioStub } from "@/tests/helpers/twilio-stub";

/**
 * Shared set-up of the send integration tests (not a test file itself): a database, the real
 * Resend and Twilio SDKs pointed at local stubs, a workspace without quiet hours (so sends at any
 * time of day go out), topics, and helpers to make contacts with consent.
 */
export const TWILIO_SID = `AC${"0123456789abcdef".repeat(2)}`;
export const TWILIO_FROM = "+15005550006";
export const POSTAL = "OptIn Test Co, 1 Main Street, Springfield";

export interface SendHarness {
  handle: DbHandle;
  resend: ResendStub;
  twilio: TwilioStub;
  /** The outbox of this harness (the real transports pointed at the stubs), installed as the process's. */
  outbox: Outbox;
  workspaceId: string;
  key: string;
  ctx(now?: Clock): SendingContext;
  contact(input: { email?: string; phone?: string; timezone?: string }, workspaceId?: string): Promise<string>;
  optIn(contactId: string, channel: Channel, topicKey: string, workspaceId?: string, now?: Clock): Promise<void>;
  optOut(
    contactId: string,
    channel: Channel,
    topicKey: string | undefined,
    workspaceId?: string,
    now?: Clock,
  ): Promise<void>;
  topic(key: string, channels: Channel[], kind: TopicKind, workspaceId?: string): Promise<string>;
  message(id: string): Promise<typeof messages.$inferSelect>;
  events(id: string): Promise<(typeof messageEvents.$inferSelect)[]>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export const NO_QUIET_HOURS = {
  messaging: {
    quietHours: { enabled: false, start: "08:00", end: "21:00", stateRules: false },
    frequencyCaps: [],
    timezone: "UTC",
  },
};

let counter = Math.floor(Math.random() * 5000);
export const uniqueEmail = () => `person-${randomUUID().slice(0, 8)}@example.com`;
/** A valid US number, unique within a test file (up to 5,000 per file). */
export const uniquePhone = () => `+1415555${String(++counter % 10000).padStart(4, "0")}`;

export async function startSendHarness(): Promise<SendHarness> {
  const handle = await createTestDb();
  setDbHandle(handle);
  const resend = await startResendStub();
  const twilio = await startTwilioStub();
  process.env.RESEND_API_KEY = "re_test_key";
  process.env.RESEND_BASE_URL = resend.url;
  process.env.TWILIO_ACCOUNT_SID = TWILIO_SID;
  process.env.TWILIO_AUTH_TOKEN = "twilio-test-token";
  process.env.TWILIO_FROM = TWILIO_FROM;
  process.env.TWILIO_API_BASE_URL = twilio.url;
  process.env.POSTAL_ADDRESS = POSTAL;
  process.env.EMAIL_FROM = "Test Sender <news@example.com>";
  resetEnv();
  const outbox = buildOutbox();
  installOutbox(outbox);

  const workspace = await createWorkspace(handle.db, { settings: NO_QUIET_HOURS });
  const { secret } = await createApiKeyFor(handle.db, workspace.id, ["messages:send"]);

  const harness: SendHarness = {
    handle,
    resend,
    twilio,
    outbox,
    workspaceId: workspace.id,
    key: secret,
    ctx: (now: Clock = systemClock) => systemContext(handle.db, workspace.id, now),
    async contact(input, workspaceId = workspace.id) {
      const { contact } = await upsertContact({ ctx: systemContext(handle.db, workspaceId), input });
      return contact.id;
    },
    async optIn(contactId, channel, topicKey, workspaceId = workspace.id, now = systemClock) {
      await recordConsentChange({
        ctx: systemContext(handle.db, workspaceId, now),
        input: {
          contactId,
          channel,
          topicKey,
          action: "opted_in",
          source: "api",
          evidence: { ip: "203.0.113.5", text: "Yes, send me news" },
        },
      });
    },
    async optOut(contactId, channel, topicKey, workspaceId = workspace.id, now = systemClock) {
      await recordConsentChange({
        ctx: systemContext(handle.db, workspaceId, now),
        input: {
          contactId,
          channel,
          ...(topicKey ? { topicKey } : { marketingOnly: true }),
          action: "opted_out",
          source: channel === "sms" ? "sms_keyword" : "api",
        },
      });
    },
    async topic(key, channels, kind, workspaceId = workspace.id) {
      const [row] = await handle.db
        .insert(topics)
        .values({ workspaceId, key, name: key, channels, kind })
        .returning({ id: topics.id });
      return row!.id;
    },
    async message(id) {
      const [row] = await handle.db.select().from(messages).where(eq(messages.id, id));
      if (!row) throw new Error(`message ${id} not found`);
      return row;
    },
    async events(id) {
      return handle.db.select().from(messageEvents).where(eq(messageEvents.messageId, id)).orderBy(messageEvents.seq);
    },
    settle: () => outbox.idle(),
    async close() {
      await outbox.idle();
      installOutbox(undefined);
      for (const name of [
        "RESEND_API_KEY",
        "RESEND_BASE_URL",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_FROM",
        "TWILIO_API_BASE_URL",
        "POSTAL_ADDRESS",
        "EMAIL_FROM",
      ]) {
        delete process.env[name];
      }
      resetEnv();
      await resend.close();
      await twilio.close();
      await closeDb();
    },
  };
  await harness.topic("news", ["email", "sms"], "marketing");
  await harness.topic("deals", ["sms"], "marketing");
  await harness.topic("receipts", ["email", "sms"], "transactional");
  return harness;
}
