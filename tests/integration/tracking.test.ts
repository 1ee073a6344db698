import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as openPixel } from "@/app/t/o/[token]/route";
import { GET as clickRedirect } from "@/app/t/c/[token]/route";
import { GET as shortLink } from "@/app/t/[code]/route";
import { POST as postWebhook } from "@/app/api/webhooks/[provider]/route";
import { webhookDrainIdle } from "@/server/services/webhooks";
import { campaignEngagement, messageLinks, messages, trackingEvents, type MessageRow } from "@/db/schema";
import { resetEnv } from "@/server/lib/env";
import {
  advanceRun,
  createCampaign,
  dryRunCampaign,
  getCampaignEngagement,
  scheduleCampaign,
  type RunStep,
} from "@/server/services/campaigns";
import { handleInboundSms } from "@/server/services/inbound";
import { sendWithConsent } from "@/server/services/messages";
import { decryptField } from "@/server/services/messages/message-secrets";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { countFilter } from "@/server/services/segments";
import { getTrackingSettings, recordTrackingEvent, updateTrackingSettings } from "@/server/services/tracking";
import { createMember, createWorkspace, memberContext } from "@/tests/factories";
import { resendWebhookRequest, TEST_SVIX_SECRET } from "@/tests/helpers/svix-signature";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

/**
 * Open and click tracking end to end on a real database (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL): a campaign chunk records rewritten links and the pixel, the route handlers
 * (called directly) redirect to the stored URL only and record events, machine events are
 * flagged and left out of the rates, provider reports are deduplicated against ours, replies
 * are attributed, and segments read the events.
 */

const BROWSER =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";
const SCANNER = "Mozilla/5.0 (compatible; Barracuda Sentinel URL Scanner)";
const SALE = "https://shop.example.com/sale?x=1&y=2";
const BLOG = "https://blog.example.com/post";

let h: SendHarness;

beforeAll(async () => {
  // Before the harness builds the outbox: the Resend transport verifies webhooks with it.
  process.env.RESEND_WEBHOOK_SECRET = TEST_SVIX_SECRET;
  h = await startSendHarness();
});
afterAll(async () => {
  await webhookDrainIdle();
  delete process.env.RESEND_WEBHOOK_SECRET;
  await h.close();
  resetEnv();
});

let smsNumber = 5_000;

async function workspace(extra: Record<string, unknown> = {}) {
  const number = `+1500555${String(++smsNumber).padStart(4, "0")}`;
  const ws = await createWorkspace(h.handle.db, {
    settings: { ...NO_QUIET_HOURS, sms: { inboundNumbers: [number] }, ...extra },
  });
  const member = await createMember(h.handle.db, ws.id, "admin");
  const ctx = () => memberContext(h.handle.db, ws.id, member.user.id, "admin");
  await h.topic("news", ["email", "sms"], "marketing", ws.id);
  return { id: ws.id, ctx, number };
}

async function people(workspaceId: string, n: number, channel: "email" | "sms" = "email") {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await h.contact(channel === "email" ? { email: uniqueEmail() } : { phone: uniquePhone() }, workspaceId);
    await h.optIn(id, channel, "news", workspaceId);
    ids.push(id);
  }
  return ids;
}

async function drive(runId: string): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < 50; i++) {
    step = await advanceRun({ ctx: { db: h.handle.db, now: () => new Date(), outbox: h.outbox }, input: { runId } });
    if (step.state !== "more") break;
  }
  await h.settle();
  return step;
}

const HTML = `<p>Hello</p>
<p><a href="${SALE.replace("&", "&amp;")}">Sale</a> <a href="mailto:hi@example.com">Write</a>
<a href="tel:+15555550100">Call</a> <a href="${SALE}">Again</a> <a href="${BLOG}">Blog</a></p>`;

/** Sends an email campaign to the workspace's consented contacts; its messages, sent an hour ago (past the "too soon" window). */
async function sendEmailCampaign(ws: Awaited<ReturnType<typeof workspace>>, html = HTML) {
  const campaign = await createCampaign({
    ctx: ws.ctx(),
    input: {
      name: `Tracked ${Math.random().toString(36).slice(2, 7)}`,
      channel: "email",
      topic: "news",
      content: { subject: "News", text: `Read ${BLOG}. Or mail hi@example.com`, html },
    },
  });
  const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
  await drive(runIds[0]!);
  await h.handle.db
    .update(messages)
    .set({ sentAt: sql`now() - interval '1 hour'` })
    .where(eq(messages.campaignRunId, runIds[0]!));
  const sent = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runIds[0]!));
  return { campaign, runId: runIds[0]!, sent };
}

function html(message: MessageRow): string {
  return decryptField(message.htmlCiphertext, "html") ?? "";
}

function tokensOf(body: string, kind: "c" | "o"): string[] {
  return [...body.matchAll(new RegExp(`/t/${kind}/([A-Za-z0-9_-]+)`, "g"))].map((m) => m[1]!);
}

async function click(token: string, userAgent = BROWSER) {
  return clickRedirect(new Request(`http://localhost:3000/t/c/${token}`, { headers: { "user-agent": userAgent } }), {
    params: Promise.resolve({ token }),
  });
}

async function open(token: string, userAgent = BROWSER) {
  return openPixel(new Request(`http://localhost:3000/t/o/${token}`, { headers: { "user-agent": userAgent } }), {
    params: Promise.resolve({ token }),
  });
}

async function eventsOf(messageId: string) {
  return h.handle.db.select().from(trackingEvents).where(eq(trackingEvents.messageId, messageId));
}

describe("email tracking", () => {
  it("a campaign chunk rewrites http(s) links and adds the pixel; unsubscribe, mailto and tel stay; one link row per distinct URL", async () => {
    const ws = await workspace();
    await people(ws.id, 3);
    const { sent } = await sendEmailCampaign(ws);
    expect(sent).toHaveLength(3);
    for (const message of sent) {
      const body = html(message);
      expect(body).not.toContain("shop.example.com");
      expect(body).not.toContain(BLOG);
      expect(body).toContain('href="mailto:hi@example.com"');
      expect(body).toContain('href="tel:+15555550100"');
      expect(body).toMatch(/\/u\/[A-Za-z0-9_-]+/);
      expect(tokensOf(body, "o")).toHaveLength(1);
      // The same URL twice is one link (one token), the blog another.
      expect(new Set(tokensOf(body, "c")).size).toBe(2);
      const text = decryptField(message.textCiphertext, "text") ?? "";
      expect(text).not.toContain(BLOG);
      expect(text).toContain("/t/c/");
      expect(text).toMatch(/\/u\/[A-Za-z0-9_-]+/);
      const links = await h.handle.db.select().from(messageLinks).where(eq(messageLinks.messageId, message.id));
      expect(links.map((l) => decryptField(l.urlCiphertext, "link")).sort()).toEqual([BLOG, SALE].sort());
    }
  });

  it("the click route redirects to the exact stored URL and records the click; a tampered token is a 404 page", async () => {
    const ws = await workspace();
    await people(ws.id, 1);
    const { sent } = await sendEmailCampaign(ws);
    const message = sent[0]!;
    const [saleToken] = tokensOf(html(message), "c");

    const response = await click(saleToken!);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(SALE);
    expect(response.headers.get("cache-control")).toContain("no-store");

    const flipped = saleToken!.slice(0, 10) + (saleToken![10] === "A" ? "B" : "A") + saleToken!.slice(11);
    const tampered = await click(flipped);
    expect(tampered.status).toBe(404);
    expect(tampered.headers.get("location")).toBeNull();
    expect(await (await click("not-a-token")).text()).toContain("Link not found");

    const events = await eventsOf(message.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "click", source: "ours", machine: false, userAgentClass: "browser" });
    expect((await h.message(message.id)).clickedAt).not.toBeNull();
  });

  it("opens: a person's open counts, a scanner's is flagged and left out of the rates unless the workspace counts them", async () => {
    const ws = await workspace();
    await people(ws.id, 4);
    const { campaign, sent } = await sendEmailCampaign(ws);
    const [a, b, c] = sent;

    const pixel = await open(tokensOf(html(a!), "o")[0]!);
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get("content-type")).toBe("image/gif");
    expect(pixel.headers.get("cache-control")).toContain("no-store");
    await open(tokensOf(html(a!), "o")[0]!); // a second open of the same message
    await open(tokensOf(html(b!), "o")[0]!, SCANNER);
    await open(tokensOf(html(c!), "o")[0]!, "Mozilla/5.0"); // Apple Mail Privacy Protection's proxy
    expect((await open("AAAA")).status).toBe(404);

    const scanned = await eventsOf(b!.id);
    expect(scanned[0]).toMatchObject({
      machine: true,
      machineReason: "scanner_user_agent",
      userAgentClass: "scanner:barracuda",
    });
    expect((await eventsOf(c!.id))[0]).toMatchObject({ machine: true, machineReason: "apple_privacy_proxy" });
    expect((await h.message(a!.id)).openedAt).not.toBeNull();
    expect((await h.message(b!.id)).openedAt).toBeNull();

    const engagement = await getCampaignEngagement({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(engagement.delivered).toBe(4);
    expect(engagement.opens).toEqual({ unique: 1, total: 2, machine: 2, uniqueMachine: 2, rate: 0.25 });
    expect(engagement.countMachineOpens).toBe(false);

    await updateTrackingSettings({ ctx: ws.ctx(), input: { opens: true, clicks: true, countMachineOpens: true } });
    const counted = await getCampaignEngagement({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(counted.opens).toMatchObject({ unique: 3, total: 4, rate: 0.75 });

    // The roll-up matches the events it was built from.
    const [fromEvents] = await h.handle.db
      .select({
        human: sql<number>`count(*) filter (where not ${trackingEvents.machine})::int`,
        machine: sql<number>`count(*) filter (where ${trackingEvents.machine})::int`,
        uniqueHuman: sql<number>`count(distinct ${trackingEvents.messageId}) filter (where not ${trackingEvents.machine})::int`,
      })
      .from(trackingEvents)
      .innerJoin(messages, eq(messages.id, trackingEvents.messageId))
      .where(and(eq(messages.campaignId, campaign.id), eq(trackingEvents.kind, "open")));
    expect(engagement.opens.total).toBe(Number(fromEvents!.human));
    expect(engagement.opens.machine).toBe(Number(fromEvents!.machine));
    expect(engagement.opens.unique).toBe(Number(fromEvents!.uniqueHuman));
  });

  it("an open within seconds of the send is a machine's; every link clicked within seconds marks the whole burst", async () => {
    const ws = await workspace();
    await people(ws.id, 2);
    const { campaign, sent } = await sendEmailCampaign(ws);
    const [fast, burst] = sent;
    await h.handle.db.update(messages).set({ sentAt: new Date() }).where(eq(messages.id, fast!.id));
    await open(tokensOf(html(fast!), "o")[0]!);
    expect((await eventsOf(fast!.id))[0]).toMatchObject({ machine: true, machineReason: "too_soon" });

    const [first, second] = [...new Set(tokensOf(html(burst!), "c"))];
    await click(first!);
    expect((await h.message(burst!.id)).clickedAt).not.toBeNull();
    await click(second!);
    const clicks = await eventsOf(burst!.id);
    expect(clicks).toHaveLength(2);
    expect(clicks.every((e) => e.machine && e.machineReason === "all_links")).toBe(true);
    expect((await h.message(burst!.id)).clickedAt).toBeNull();

    const engagement = await getCampaignEngagement({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(engagement.clicks).toMatchObject({ unique: 0, total: 0, machine: 2, uniqueMachine: 1 });
    expect(engagement.topLinks).toEqual([]);
  });

  it("the provider's open and click reports are recorded once: deduplicated against ours", async () => {
    const ws = await workspace();
    await people(ws.id, 2);
    const { campaign, sent } = await sendEmailCampaign(ws);
    const [ours, theirs] = sent;
    await open(tokensOf(html(ours!), "o")[0]!);

    const report = async (message: MessageRow, type: string) => {
      const at = new Date();
      const event = {
        type,
        created_at: at.toISOString(),
        data: { email_id: message.providerMessageId, created_at: at.toISOString() },
      };
      const response = await postWebhook(resendWebhookRequest("http://localhost:3000/api/webhooks/resend", event));
      expect(response.status).toBe(200);
      await webhookDrainIdle(); // applied by the drain the route woke
    };
    expect(ours!.providerMessageId).toBeTruthy();
    await report(ours!, "email.opened");
    await report(theirs!, "email.opened");
    await report(theirs!, "email.clicked");

    expect(await eventsOf(ours!.id)).toHaveLength(1);
    const provider = await eventsOf(theirs!.id);
    expect(provider.map((e) => `${e.kind}:${e.source}`).sort()).toEqual(["click:provider", "open:provider"]);
    // And ours after the provider's: the same open, not a second one.
    expect(
      await recordTrackingEvent({
        ctx: { db: h.handle.db, now: () => new Date() },
        input: { messageId: theirs!.id, kind: "open", source: "ours", userAgent: BROWSER },
      }),
    ).toEqual({ recorded: false, reason: "duplicate" });

    const engagement = await getCampaignEngagement({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(engagement.opens).toMatchObject({ unique: 2, total: 2 });
    expect(engagement.clicks).toMatchObject({ unique: 1, total: 1 });
  });

  it("a burst of the provider's reports applied by one drain counts as they would one by one", async () => {
    const ws = await workspace();
    await people(ws.id, 2);
    const { campaign, sent } = await sendEmailCampaign(ws);
    const [a, b] = sent;
    const base = Date.now() + 60_000;
    const event = (message: MessageRow, type: string, offsetMs: number) => {
      const at = new Date(base + offsetMs).toISOString();
      return { type, created_at: at, data: { email_id: message.providerMessageId, created_at: at } };
    };
    // Later open first, then the earlier one, a click, and a second message's open: all posted
    // before the drain runs, so they are applied together.
    const responses = await Promise.all(
      [
        event(a!, "email.opened", 5_000),
        event(a!, "email.opened", 1_000),
        event(a!, "email.clicked", 2_000),
        event(b!, "email.opened", 3_000),
      ].map((body) => postWebhook(resendWebhookRequest("http://localhost:3000/api/webhooks/resend", body))),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await webhookDrainIdle();

    const opensOfA = await eventsOf(a!.id);
    expect(opensOfA.map((e) => `${e.kind}:${e.source}:${e.machine}`).sort()).toEqual([
      "click:provider:false",
      "open:provider:false",
      "open:provider:false",
    ]);
    expect((await h.message(a!.id)).openedAt?.getTime()).toBe(base + 1_000);
    expect((await h.message(a!.id)).clickedAt?.getTime()).toBe(base + 2_000);
    expect((await h.message(b!.id)).openedAt?.getTime()).toBe(base + 3_000);
    const engagement = await getCampaignEngagement({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(engagement.opens).toMatchObject({ unique: 2, total: 3 });
    expect(engagement.clicks).toMatchObject({ unique: 1, total: 1 });
  });

  it("with tracking switched off, nothing is rewritten and no link is stored", async () => {
    const ws = await workspace();
    await people(ws.id, 1);
    await updateTrackingSettings({ ctx: ws.ctx(), input: { opens: false, clicks: false } });
    expect(await getTrackingSettings({ ctx: ws.ctx() })).toEqual({
      opens: false,
      clicks: false,
      countMachineOpens: false,
    });
    const { sent } = await sendEmailCampaign(ws);
    const body = html(sent[0]!);
    expect(body).toContain(BLOG);
    expect(tokensOf(body, "o")).toEqual([]);
    expect(tokensOf(body, "c")).toEqual([]);
    expect(await h.handle.db.select().from(messageLinks).where(eq(messageLinks.messageId, sent[0]!.id))).toEqual([]);

    // Opens only: the pixel, links untouched.
    await updateTrackingSettings({ ctx: ws.ctx(), input: { opens: true, clicks: false } });
    const { sent: again } = await sendEmailCampaign(ws);
    expect(tokensOf(html(again[0]!), "o")).toHaveLength(1);
    expect(html(again[0]!)).toContain(BLOG);
  });

  it("segments: opened / clicked in the last N days and opened / clicked campaign X, people's events only", async () => {
    const ws = await workspace();
    const ids = await people(ws.id, 3);
    const { campaign, sent } = await sendEmailCampaign(ws);
    const byContact = new Map(sent.map((m) => [m.contactId!, m]));
    const [reader, scanned, silent] = ids.map((id) => byContact.get(id)!);
    await open(tokensOf(html(reader!), "o")[0]!);
    await click(tokensOf(html(reader!), "c")[0]!);
    await open(tokensOf(html(scanned!), "o")[0]!, SCANNER);
    expect(silent).toBeDefined();

    const count = async (condition: Record<string, unknown>) =>
      (await countFilter({ ctx: ws.ctx(), input: { filter: { all: [condition] } } as never })).count;
    expect(await count({ field: "opened", op: "within_days", value: 7 })).toBe(1);
    expect(await count({ field: "opened", op: "not_exists" })).toBe(2);
    expect(await count({ field: "clicked", op: "exists" })).toBe(1);
    expect(await count({ field: "campaign", op: "opened", value: campaign.id })).toBe(1);
    expect(await count({ field: "campaign", op: "not_opened", value: campaign.id })).toBe(2);
    expect(await count({ field: "campaign", op: "clicked", value: campaign.id })).toBe(1);
    expect(await count({ field: "campaign", op: "not_clicked", value: campaign.id })).toBe(2);

    // An event older than the window does not count for "in the last N days".
    await h.handle.db
      .update(trackingEvents)
      .set({ occurredAt: sql`now() - interval '30 days'` })
      .where(eq(trackingEvents.messageId, reader!.id));
    expect(await count({ field: "opened", op: "within_days", value: 7 })).toBe(0);
    expect(await count({ field: "opened", op: "exists" })).toBe(1);
  });
});

describe("sends outside campaigns", () => {
  it("a marketing send through the API is tracked; a transactional one is not", async () => {
    const ws = await workspace();
    await h.topic("receipts", ["email"], "transactional", ws.id);
    const [contactId] = await people(ws.id, 1);
    const content = { subject: "Hi", text: `See ${BLOG}`, html: `<p><a href="${SALE}">Sale</a></p>` };
    const ctx = { ...ws.ctx(), outbox: h.outbox };
    const marketing = await sendWithConsent({
      ctx,
      input: { contactId, channel: "email", topic: "news", content },
    });
    const receipt = await sendWithConsent({
      ctx,
      input: { contactId, channel: "email", topic: "receipts", kind: "transactional", content },
    });
    await h.settle();
    const tracked = html(await h.message(marketing.messageId!));
    expect(tokensOf(tracked, "c")).toHaveLength(1);
    expect(tokensOf(tracked, "o")).toHaveLength(1);
    const plain = html(await h.message(receipt.messageId!));
    expect(plain).toContain(SALE.replace("&", "&amp;"));
    expect(tokensOf(plain, "o")).toEqual([]);
  });
});

describe("SMS tracking", () => {
  it("links become short links on TRACKING_BASE_URL, the code redirects, replies are attributed to the campaign", async () => {
    const ws = await workspace();
    const [contact] = await people(ws.id, 1, "sms");
    const long =
      "https://shop.example.com/a/very/long/path/that/would/take/many/characters/of/the/text?campaign=spring-sale-2026&utm_source=sms";
    const campaign = await createCampaign({
      ctx: ws.ctx(),
      input: { name: "Texts", channel: "sms", topic: "news", content: { text: `Spring sale: ${long}` } },
    });
    // The dry run estimates segments on the text as it leaves: the link shortened.
    const dry = await dryRunCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    await drive(runIds[0]!);
    const [message] = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runIds[0]!));
    const text = decryptField(message!.textCiphertext, "text") ?? "";
    expect(dry.smsSegments).toBe(countSmsSegments(text).segments);
    expect(countSmsSegments(text.replace(/http:\/\/\S+\/t\/[0-9A-Za-z]{10}/, long)).segments).toBeGreaterThan(
      dry.smsSegments!,
    );
    expect(text).not.toContain(long);
    const code = /\/t\/([0-9A-Za-z]{10})\b/.exec(text)?.[1];
    expect(code).toBeDefined();
    expect(text).toContain(`http://localhost:3000/t/${code}`);
    // What the provider got is the shortened text (its segments are counted on it).
    const delivered = h.twilio.sent.at(-1);
    expect(delivered?.form.Body ?? "").toContain(`/t/${code}`);
    expect(delivered?.form.Body ?? "").not.toContain(long);

    await h.handle.db
      .update(messages)
      .set({ sentAt: sql`now() - interval '1 hour'` })
      .where(eq(messages.id, message!.id));
    const redirect = await shortLink(new Request(`http://localhost:3000/t/${code}`), {
      params: Promise.resolve({ code: code! }),
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe(long);
    const unknown = await shortLink(new Request("http://localhost:3000/t/ZZZZZZZZZZ"), {
      params: Promise.resolve({ code: "ZZZZZZZZZZ" }),
    });
    expect(unknown.status).toBe(404);

    await handleInboundSms({
      ctx: { db: h.handle.db, now: () => new Date(), outbox: h.outbox },
      input: {
        messageSid: `SM${Math.random().toString(36).slice(2, 12)}`,
        from: decryptField(message!.addressCiphertext, "address")!,
        to: ws.number,
        body: "Is it on all week?",
      },
    });
    expect((await h.message(message!.id)).repliedAt).not.toBeNull();
    const [rollup] = await h.handle.db
      .select()
      .from(campaignEngagement)
      .where(eq(campaignEngagement.campaignId, campaign.id));
    expect(rollup).toMatchObject({ replies: 1, uniqueClicks: 1, totalClicks: 1 });
    const engagement = await getCampaignEngagement({ ctx: ws.ctx(), input: { id: campaign.id } });
    expect(engagement.replies).toBe(1);
    expect(engagement.topLinks).toEqual([{ url: long, uniqueClicks: 1, totalClicks: 1 }]);
    expect(contact).toBeDefined();
  });
});
