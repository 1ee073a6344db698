import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as reportCsv } from "@/app/api/campaigns/[id]/report.csv/route";
import { GET as compareCsv } from "@/app/api/campaigns/compare.csv/route";
import { campaignRuns, messageLinks, messages, type MessageRow } from "@/db/schema";
import {
  advanceRun,
  compareCampaigns,
  createCampaign,
  getCampaignEngagement,
  getCampaignReport,
  scheduleCampaign,
  type RunStep,
  type TCampaignReport,
} from "@/server/services/campaigns";
import type { ServiceContext } from "@/server/services/context";
import { handleInboundSms } from "@/server/services/inbound";
import { decryptField } from "@/server/services/messages/message-secrets";
import { unsubscribeOneClick } from "@/server/services/preferences/unsubscribe-one-click";
import { recordTrackingEvent, updateTrackingSettings } from "@/server/services/tracking";
import { createApiKeyFor, createMember, createWorkspace } from "@/tests/factories";
import { rest } from "@/tests/helpers/http";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, uniquePhone, type SendHarness } from "./send-harness";

/**
 * The campaign report on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): an email
 * campaign and an SMS campaign sent through the run path, opens and clicks recorded by the
 * tracking service, an opt-out through a message's unsubscribe link, a STOP reply, a bounce and
 * a complaint. Every funnel number is checked against a count written independently here, then
 * the hourly buckets, the top links, the comparison, the CSV sections, REST and the scopes.
 */

// The CSV route handlers read the session through next/headers and Auth.js; API keys need neither.
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/server/auth", () => ({ auth: async () => null }));

const BROWSER =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";
const SCANNER = "Mozilla/5.0 (compatible; Barracuda Sentinel URL Scanner)";
const SALE = "https://shop.example.com/sale";
const BLOG = "https://blog.example.com/post";
const HOUR = 3_600_000;
const SMS_NUMBER = "+15005559911";

let h: SendHarness;
let workspaceId: string;
let admin: ServiceContext;
let emailCampaignId: string;
let emailRunId: string;
let smsCampaignId: string;
let start: Date;
let sent: MessageRow[];
const phones: string[] = [];
const link = () => ({ db: h.handle.db, now: () => new Date(), outbox: h.outbox });

async function drive(runId: string): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < 50 && step.state === "more"; i++) step = await advanceRun({ ctx: link(), input: { runId } });
  await h.settle();
  return step;
}

async function linkOf(messageId: string, url: string): Promise<string> {
  const rows = await h.handle.db.select().from(messageLinks).where(eq(messageLinks.messageId, messageId));
  const row = rows.find((r) => decryptField(r.urlCiphertext, "link") === url);
  if (!row) throw new Error(`no link ${url}`);
  return row.id;
}

async function track(
  message: MessageRow,
  kind: "open" | "click",
  hours: number,
  options: { url?: string; ua?: string } = {},
) {
  const result = await recordTrackingEvent({
    ctx: link(),
    input: {
      messageId: message.id,
      kind,
      source: "ours",
      linkId: options.url ? await linkOf(message.id, options.url) : null,
      userAgent: options.ua ?? BROWSER,
      occurredAt: new Date(start.getTime() + hours * HOUR),
    },
  });
  expect(result.recorded).toBe(true);
}

async function one<T>(query: string, params: unknown[] = []): Promise<T> {
  const rows = await h.handle.queryRows<Record<string, unknown>>(query, params);
  return Number(Object.values(rows[0]!)[0]) as T;
}

beforeAll(async () => {
  h = await startSendHarness();
  const ws = await createWorkspace(h.handle.db, {
    settings: { ...NO_QUIET_HOURS, sms: { inboundNumbers: [SMS_NUMBER] } },
  });
  workspaceId = ws.id;
  admin = (await createMember(h.handle.db, ws.id, "admin")).ctx;
  await h.topic("news", ["email", "sms"], "marketing", ws.id);

  // Email: six consented contacts, one never asked (no_consent), one opted out (opted_out).
  for (let i = 0; i < 6; i++) {
    const id = await h.contact({ email: uniqueEmail() }, ws.id);
    await h.optIn(id, "email", "news", ws.id);
  }
  await h.contact({ email: uniqueEmail() }, ws.id);
  const out = await h.contact({ email: uniqueEmail() }, ws.id);
  await h.optIn(out, "email", "news", ws.id);
  await h.optOut(out, "email", "news", ws.id);

  const email = await createCampaign({
    ctx: admin,
    input: {
      name: "Spring sale",
      channel: "email",
      topic: "news",
      content: {
        subject: "Sale",
        text: `Sale at ${SALE} and news at ${BLOG}`,
        html: `<p><a href="${SALE}">Sale</a> <a href="${BLOG}">Blog</a></p>`,
      },
    },
  });
  emailCampaignId = email.id;
  emailRunId = (await scheduleCampaign({ ctx: admin, input: { id: email.id } })).runIds[0]!;
  expect((await drive(emailRunId)).state).toBe("done");
  // The run started ten hours ago; its messages went out then (events later are not "too soon").
  start = new Date(Date.now() - 10 * HOUR);
  await h.handle.db.update(campaignRuns).set({ startedAt: start }).where(eq(campaignRuns.id, emailRunId));
  await h.handle.db.update(messages).set({ sentAt: start }).where(eq(messages.campaignRunId, emailRunId));
  sent = await h.handle.db
    .select()
    .from(messages)
    .where(and(eq(messages.campaignRunId, emailRunId), eq(messages.status, "sent")))
    .orderBy(messages.id);
  expect(sent).toHaveLength(6);
  const [m1, m2, m3, m4, m5, m6] = sent as [MessageRow, MessageRow, MessageRow, MessageRow, MessageRow, MessageRow];

  await track(m1, "open", 0.5);
  await track(m1, "open", 1.5);
  await track(m2, "open", 1.25);
  await track(m3, "open", 2.5, { ua: SCANNER }); // a machine's
  await track(m1, "click", 1.5, { url: SALE });
  await track(m2, "click", 3.2, { url: SALE });
  await track(m2, "click", 3.7, { url: BLOG });
  await track(m2, "click", 3.9, { url: SALE });

  // m4's recipient leaves through the message's unsubscribe link (twice: counted once).
  const token = /\/u\/([A-Za-z0-9_-]+)/.exec(m4.headers!["List-Unsubscribe"]!)![1]!;
  await unsubscribeOneClick({ ctx: link(), input: { token } });
  await unsubscribeOneClick({ ctx: link(), input: { token, reason: "Too many emails" } });
  // m5 bounced; m6's recipient complained; m3's recipient opted out elsewhere (not the campaign's).
  await h.handle.db.update(messages).set({ status: "bounced", reason: "hard_bounce" }).where(eq(messages.id, m5.id));
  await h.handle.db.update(messages).set({ status: "complained" }).where(eq(messages.id, m6.id));
  await h.optOut(m3.contactId!, "email", "news", ws.id);

  // SMS: three consented phones; one texts STOP, one replies.
  for (let i = 0; i < 3; i++) {
    const phone = uniquePhone();
    const id = await h.contact({ phone }, ws.id);
    await h.optIn(id, "sms", "news", ws.id);
    phones.push(phone);
  }
  const sms = await createCampaign({
    ctx: admin,
    input: { name: "Flash SMS", channel: "sms", topic: "news", content: { text: "Flash sale today" } },
  });
  smsCampaignId = sms.id;
  const smsRun = (await scheduleCampaign({ ctx: admin, input: { id: sms.id } })).runIds[0]!;
  expect((await drive(smsRun)).state).toBe("done");
  const inbound = (from: string, body: string) =>
    handleInboundSms({
      ctx: link(),
      input: { messageSid: `SM${randomUUID().replaceAll("-", "")}`, from, to: SMS_NUMBER, body },
    });
  await inbound(phones[0]!, "STOP");
  await inbound(phones[1]!, "Is it on all week?");
});

afterAll(async () => {
  await h.close();
});

/** The counts written here, independently of the report's statements. */
async function independentFunnel(campaignId: string) {
  const runMessages = `select id from messages where campaign_id = $1 and campaign_run_id is not null`;
  const blocked = await h.handle.queryRows<{ reason: string; n: number }>(
    `select reason, count(*)::int as n from (
       select reason from campaign_recipients where status = 'blocked'
          and run_id in (select id from campaign_runs where campaign_id = $1)
       union all
       select reason from messages where status = 'blocked' and campaign_id = $1 and campaign_run_id is not null
     ) b group by reason`,
    [campaignId],
  );
  return {
    audience: await one<number>(
      `select count(*) from campaign_recipients where run_id in (select id from campaign_runs where campaign_id = $1)`,
      [campaignId],
    ),
    sent: await one<number>(
      `select count(*) from messages where campaign_id = $1 and campaign_run_id is not null
          and status in ('sent', 'delivered', 'complained', 'bounced', 'undelivered', 'failed')
          and (reason is null or reason <> 'cancelled')`,
      [campaignId],
    ),
    delivered: await one<number>(
      `select count(*) from messages where campaign_id = $1 and campaign_run_id is not null
          and status in ('sent', 'delivered', 'complained')`,
      [campaignId],
    ),
    opened: await one<number>(
      `select count(*) from messages where campaign_id = $1 and campaign_run_id is not null and opened_at is not null`,
      [campaignId],
    ),
    clicked: await one<number>(
      `select count(*) from messages where campaign_id = $1 and campaign_run_id is not null and clicked_at is not null`,
      [campaignId],
    ),
    machineOpened: await one<number>(
      `select count(distinct message_id) from tracking_events where kind = 'open' and machine and message_id in (${runMessages})`,
      [campaignId],
    ),
    replied: await one<number>(
      `select count(*) from messages where campaign_id = $1 and campaign_run_id is not null and replied_at is not null`,
      [campaignId],
    ),
    failed: await one<number>(
      `select count(*) from messages where campaign_id = $1 and campaign_run_id is not null
          and status in ('failed', 'undelivered', 'bounced') and (reason is null or reason <> 'cancelled')`,
      [campaignId],
    ),
    complained: await one<number>(
      `select count(*) from messages where campaign_id = $1 and campaign_run_id is not null and status = 'complained'`,
      [campaignId],
    ),
    totalOpens: await one<number>(
      `select count(*) from tracking_events where kind = 'open' and not machine and message_id in (${runMessages})`,
      [campaignId],
    ),
    totalClicks: await one<number>(
      `select count(*) from tracking_events where kind = 'click' and not machine and message_id in (${runMessages})`,
      [campaignId],
    ),
    blockedByReason: Object.fromEntries(blocked.map((b) => [b.reason, Number(b.n)])),
  };
}

describe("campaign report (service)", () => {
  let report: TCampaignReport;
  beforeAll(async () => {
    report = await getCampaignReport({ ctx: admin, input: { id: emailCampaignId } });
  });

  it("every funnel number of the email campaign matches an independent count", async () => {
    const expected = await independentFunnel(emailCampaignId);
    expect(report.funnel).toMatchObject(expected);
    // And the numbers themselves, so the independent counts cannot both be wrong.
    expect(report.funnel).toMatchObject({
      audience: 8,
      sent: 6,
      delivered: 5,
      failed: 1,
      opened: 2,
      machineOpened: 1,
      clicked: 2,
      machineClicked: 0,
      totalOpens: 3,
      totalClicks: 4,
      blocked: 2,
      blockedByReason: { no_consent: 1, opted_out: 1 },
      complained: 1,
      queued: 0,
      cancelled: 0,
      replied: 0,
    });
    expect(report).toMatchObject({ campaignId: emailCampaignId, name: "Spring sale", channel: "email", runs: 1 });
    expect(report.abTest).toBeNull();
    expect(report.firstSentAt?.toISOString()).toBe(start.toISOString());
  });

  it("counts the opt-out through the message's unsubscribe link once, not an opt-out made elsewhere", async () => {
    const independent = await one<number>(
      `select count(distinct contact_id) from consent_events
        where action = 'opted_out' and source = 'one_click'
          and evidence->>'messageId' in (select id::text from messages where campaign_id = $1)`,
      [emailCampaignId],
    );
    expect(independent).toBe(1);
    expect(report.funnel.unsubscribed).toBe(1);
    expect(report.rates.unsubscribeRate).toBeCloseTo(1 / 5);
  });

  it("rates are over delivered messages", () => {
    expect(report.rates).toEqual({
      openRate: 2 / 5,
      clickRate: 2 / 5,
      clickToOpenRate: 1,
      replyRate: 0,
      unsubscribeRate: 1 / 5,
      complaintRate: 1 / 5,
      failureRate: 1 / 6,
    });
  });

  it("agrees with the Engagement card", async () => {
    const engagement = await getCampaignEngagement({ ctx: admin, input: { id: emailCampaignId } });
    expect(engagement.delivered).toBe(report.funnel.delivered);
    expect(engagement.opens.unique).toBe(report.funnel.opened);
    expect(engagement.clicks.unique).toBe(report.funnel.clicked);
    expect(engagement.clicks.total).toBe(report.funnel.totalClicks);
  });

  it("buckets opens and clicks per hour after the run's start, 72 hours, machine events left out", () => {
    expect(report.hourly).toHaveLength(72);
    expect(report.hourly.map((b) => b.hour)).toEqual(Array.from({ length: 72 }, (_, i) => i));
    const busy = report.hourly.filter((b) => b.opens || b.clicks);
    expect(busy).toEqual([
      { hour: 0, opens: 1, clicks: 0 },
      { hour: 1, opens: 2, clicks: 1 },
      { hour: 3, opens: 0, clicks: 3 },
    ]);
  });

  it("lists the top links by unique then total clicks", () => {
    expect(report.topLinks).toEqual([
      { url: SALE, uniqueClicks: 2, totalClicks: 3 },
      { url: BLOG, uniqueClicks: 1, totalClicks: 1 },
    ]);
  });

  it("counts machine events when the workspace says so", async () => {
    await updateTrackingSettings({ ctx: admin, input: { countMachineOpens: true } });
    try {
      const counted = await getCampaignReport({ ctx: admin, input: { id: emailCampaignId } });
      expect(counted.countMachineOpens).toBe(true);
      expect(counted.funnel).toMatchObject({ opened: 3, machineOpened: 1, totalOpens: 4 });
      expect(counted.hourly[2]).toEqual({ hour: 2, opens: 1, clicks: 0 });
    } finally {
      await updateTrackingSettings({ ctx: admin, input: { countMachineOpens: false } });
    }
  });

  it("one run: the same numbers for the campaign's only run; another campaign's run is not found", async () => {
    const one = await getCampaignReport({ ctx: admin, input: { id: emailCampaignId, runId: emailRunId } });
    expect(one.runId).toBe(emailRunId);
    expect(one.funnel).toEqual(report.funnel);
    const [smsRun] = await h.handle.db
      .select({ id: campaignRuns.id })
      .from(campaignRuns)
      .where(eq(campaignRuns.campaignId, smsCampaignId));
    await expect(
      getCampaignReport({ ctx: admin, input: { id: emailCampaignId, runId: smsRun!.id } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getCampaignReport({ ctx: admin, input: { id: randomUUID() } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("the SMS campaign: a STOP within 72 hours of its text is its unsubscribe; a reply is its reply", async () => {
    const smsReport = await getCampaignReport({ ctx: admin, input: { id: smsCampaignId } });
    expect(smsReport.funnel).toMatchObject(await independentFunnel(smsCampaignId));
    const stops = await one<number>(
      `select count(distinct contact_id) from consent_events where action = 'opted_out' and source = 'sms_keyword'
          and contact_id in (select contact_id from messages where campaign_id = $1)`,
      [smsCampaignId],
    );
    expect(stops).toBe(1);
    expect(smsReport.funnel).toMatchObject({ audience: 3, delivered: 3, unsubscribed: 1, replied: 1, opened: 0 });

    // A STOP more than 72 hours after the campaign's text is not the campaign's.
    await handleInboundSms({
      ctx: { ...link(), now: () => new Date(Date.now() + 80 * HOUR) },
      input: { messageSid: `SM${randomUUID().replaceAll("-", "")}`, from: phones[2]!, to: SMS_NUMBER, body: "STOP" },
    });
    const later = await one<number>(
      `select count(distinct contact_id) from consent_events where action = 'opted_out' and source = 'sms_keyword'
          and contact_id in (select contact_id from messages where campaign_id = $1)`,
      [smsCampaignId],
    );
    expect(later).toBe(2);
    expect((await getCampaignReport({ ctx: admin, input: { id: smsCampaignId } })).funnel.unsubscribed).toBe(1);
    // The email campaign's report does not take the SMS opt-out.
    expect((await getCampaignReport({ ctx: admin, input: { id: emailCampaignId } })).funnel.unsubscribed).toBe(1);
  });
});

describe("compare", () => {
  it("answers each campaign's funnel and rates, in the order asked, the same as their reports", async () => {
    const comparison = await compareCampaigns({
      ctx: admin,
      input: { ids: `${smsCampaignId}, ${emailCampaignId}` },
    });
    expect(comparison.campaigns.map((c) => c.campaignId)).toEqual([smsCampaignId, emailCampaignId]);
    const [smsReport, emailReport] = await Promise.all([
      getCampaignReport({ ctx: admin, input: { id: smsCampaignId } }),
      getCampaignReport({ ctx: admin, input: { id: emailCampaignId } }),
    ]);
    expect(comparison.campaigns[0]).toMatchObject({
      name: "Flash SMS",
      funnel: smsReport.funnel,
      rates: smsReport.rates,
    });
    expect(comparison.campaigns[1]).toMatchObject({ name: "Spring sale", funnel: emailReport.funnel });
  });

  it("refuses fewer than two, more than five, repeats and malformed ids (400) and foreign ids (404)", async () => {
    const bad = (ids: string) => compareCampaigns({ ctx: admin, input: { ids } });
    await expect(bad(emailCampaignId)).rejects.toMatchObject({ code: "INVALID" });
    await expect(bad(`${emailCampaignId},${emailCampaignId}`)).rejects.toMatchObject({ code: "INVALID" });
    await expect(bad(`${emailCampaignId},nope`)).rejects.toMatchObject({ code: "INVALID" });
    await expect(
      bad([emailCampaignId, ...Array.from({ length: 5 }, () => randomUUID())].join(",")),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(bad(`${emailCampaignId},${randomUUID()}`)).rejects.toMatchObject({ code: "NOT_FOUND" });
    const other = await createWorkspace(h.handle.db, { settings: NO_QUIET_HOURS });
    const stranger = (await createMember(h.handle.db, other.id, "admin")).ctx;
    await expect(
      compareCampaigns({ ctx: stranger, input: { ids: `${emailCampaignId},${smsCampaignId}` } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("REST and CSV", () => {
  async function csv(key: string, path: string, id = emailCampaignId) {
    const url = `http://localhost:3000/api/campaigns/${path}`;
    const req = new Request(url, { headers: { authorization: `Bearer ${key}` } });
    const res = path.startsWith("compare.csv")
      ? await compareCsv(req)
      : await reportCsv(req, { params: Promise.resolve({ id }) });
    return {
      status: res.status,
      type: res.headers.get("content-type"),
      lines: (await res.text()).trimEnd().split("\r\n"),
    };
  }

  it("GET /campaigns/{id}/report and /campaigns/compare answer the service's numbers to a campaigns:read key", async () => {
    const { secret: key } = await createApiKeyFor(h.handle.db, workspaceId, ["campaigns:read"]);
    const res = await rest("GET", `/campaigns/${emailCampaignId}/report`, { key });
    expect(res.status).toBe(200);
    const service = await getCampaignReport({ ctx: admin, input: { id: emailCampaignId } });
    expect(res.body.funnel).toEqual(service.funnel);
    expect(res.body.rates).toEqual(service.rates);
    expect(res.body.hourly).toHaveLength(72);
    expect(res.body.topLinks[0]).toEqual({ url: SALE, uniqueClicks: 2, totalClicks: 3 });
    const compared = await rest("GET", `/campaigns/compare?ids=${emailCampaignId},${smsCampaignId}`, { key });
    expect(compared.status).toBe(200);
    expect(compared.body.campaigns.map((c: { name: string }) => c.name)).toEqual(["Spring sale", "Flash SMS"]);
    expect((await rest("GET", `/campaigns/compare?ids=${emailCampaignId}`, { key })).status).toBe(400);
    expect((await rest("GET", `/campaigns/${randomUUID()}/report`, { key })).status).toBe(404);

    const contactsOnly = await createApiKeyFor(h.handle.db, workspaceId, ["contacts:read"]);
    expect((await rest("GET", `/campaigns/${emailCampaignId}/report`, { key: contactsOnly.secret })).status).toBe(403);
    expect(
      (await rest("GET", `/campaigns/compare?ids=${emailCampaignId},${smsCampaignId}`, { key: contactsOnly.secret }))
        .status,
    ).toBe(403);
  });

  it("report.csv serves the funnel, hourly, links and blocked sections; compare.csv one row per campaign", async () => {
    const { secret: key } = await createApiKeyFor(h.handle.db, workspaceId, ["campaigns:read"]);
    const funnel = await csv(key, `${emailCampaignId}/report.csv?section=funnel`);
    expect(funnel.status).toBe(200);
    expect(funnel.type).toBe("text/csv; charset=utf-8");
    expect(funnel.lines[0]).toBe("stage,count,rate");
    expect(funnel.lines).toContain("delivered,5,");
    expect(funnel.lines).toContain("opened,2,0.4000");
    expect(funnel.lines).toContain("blocked:no_consent,1,");
    expect(funnel.lines).toContain("unsubscribed,1,0.2000");

    const hourly = await csv(key, `${emailCampaignId}/report.csv?section=hourly`);
    expect(hourly.lines).toHaveLength(73);
    expect(hourly.lines[0]).toBe("hour,opens,clicks");
    expect(hourly.lines[2]).toBe("1,2,1");

    const links = await csv(key, `${emailCampaignId}/report.csv?section=links`);
    expect(links.lines).toEqual(["url,unique_clicks,total_clicks", `${SALE},2,3`, `${BLOG},1,1`]);
    const blocked = await csv(key, `${emailCampaignId}/report.csv?section=blocked`);
    expect(blocked.lines).toEqual(["reason,count", "no_consent,1", "opted_out,1"]);

    expect((await csv(key, `${emailCampaignId}/report.csv?section=people`)).status).toBe(400);
    expect((await csv(key, `x/report.csv?section=funnel`, randomUUID())).status).toBe(404);

    const compared = await csv(key, `compare.csv?ids=${emailCampaignId},${smsCampaignId}`);
    expect(compared.status).toBe(200);
    expect(compared.lines).toHaveLength(3);
    expect(compared.lines[1]).toMatch(new RegExp(`^${emailCampaignId},Spring sale,email,8,6,5,2,2,0,2,1,1,1,`));
    expect((await csv(key, "compare.csv?ids=nope")).status).toBe(400);

    const contactsOnly = await createApiKeyFor(h.handle.db, workspaceId, ["contacts:read"]);
    expect((await csv(contactsOnly.secret, `${emailCampaignId}/report.csv?section=funnel`)).status).toBe(403);
  });
});
