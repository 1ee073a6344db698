import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as dashboardPdf } from "@/app/api/analytics/report.pdf/route";
import { GET as campaignPdf } from "@/app/api/campaigns/[id]/report.pdf/route";
import { campaignRuns, messages, type MessageRow } from "@/db/schema";
import { getDeliveryStats } from "@/server/services/analytics";
import {
  advanceRun,
  createCampaign,
  getCampaignReport,
  scheduleCampaign,
  type RunStep,
} from "@/server/services/campaigns";
import type { ServiceContext } from "@/server/services/context";
import { renderCampaignReportPdf, renderDashboardPdf } from "@/server/services/reports";
import { recordTrackingEvent } from "@/server/services/tracking";
import { createApiKeyFor, createMember, createWorkspace } from "@/tests/factories";
import { pdfTextRuns } from "@/tests/helpers/pdf-text";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * The PDF reports on a real database: an email campaign sent through the run path to five
 * contacts (one bounces, two open, one clicks), then the dashboard and the campaign report
 * rendered as PDFs, by the services and by the routes. The text of each PDF is read back and
 * must show the numbers the services answer.
 */

vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/server/auth", () => ({ auth: async () => null }));

const BROWSER =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";
const SALE = "https://shop.example.com/sale";

let h: SendHarness;
let workspaceId: string;
let admin: ServiceContext;
let campaignId: string;
const link = () => ({ db: h.handle.db, now: () => new Date(), outbox: h.outbox });

async function drive(runId: string): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < 50 && step.state === "more"; i++) step = await advanceRun({ ctx: link(), input: { runId } });
  await h.settle();
  return step;
}

beforeAll(async () => {
  h = await startSendHarness();
  const ws = await createWorkspace(h.handle.db, { name: "Acme Gardens", settings: { ...NO_QUIET_HOURS } });
  workspaceId = ws.id;
  admin = (await createMember(h.handle.db, ws.id, "admin")).ctx;
  await h.topic("news", ["email"], "marketing", ws.id);
  for (let i = 0; i < 5; i++) {
    const id = await h.contact({ email: uniqueEmail() }, ws.id);
    await h.optIn(id, "email", "news", ws.id);
  }
  const campaign = await createCampaign({
    ctx: admin,
    input: {
      name: "Autumn bulbs",
      channel: "email",
      topic: "news",
      content: { subject: "Bulbs", text: `Plant now ${SALE}`, html: `<p><a href="${SALE}">Plant now</a></p>` },
    },
  });
  campaignId = campaign.id;
  const runId = (await scheduleCampaign({ ctx: admin, input: { id: campaign.id } })).runIds[0]!;
  expect((await drive(runId)).state).toBe("done");
  const start = new Date(Date.now() - 5 * 3_600_000);
  await h.handle.db.update(campaignRuns).set({ startedAt: start }).where(eq(campaignRuns.id, runId));
  await h.handle.db.update(messages).set({ sentAt: start }).where(eq(messages.campaignRunId, runId));
  const sent: MessageRow[] = await h.handle.db
    .select()
    .from(messages)
    .where(and(eq(messages.campaignRunId, runId), eq(messages.status, "sent")))
    .orderBy(messages.id);
  expect(sent).toHaveLength(5);
  await h.handle.db
    .update(messages)
    .set({ status: "bounced", reason: "hard_bounce" })
    .where(eq(messages.id, sent[4]!.id));
  for (const [message, kind] of [
    [sent[0]!, "open"],
    [sent[1]!, "open"],
    [sent[0]!, "click"],
  ] as const) {
    const linkRows =
      kind === "click"
        ? await h.handle.queryRows<{ id: string }>("select id from message_links where message_id = $1", [message.id])
        : [];
    const recorded = await recordTrackingEvent({
      ctx: link(),
      input: {
        messageId: message.id,
        kind,
        source: "ours",
        linkId: linkRows[0]?.id ?? null,
        userAgent: BROWSER,
        occurredAt: new Date(start.getTime() + 3_600_000),
      },
    });
    expect(recorded.recorded).toBe(true);
  }
});

afterAll(async () => {
  await h.close();
});

describe("campaign report PDF", () => {
  it("renders the report's funnel, rates and links from the report service", async () => {
    const report = await getCampaignReport({ ctx: admin, input: { id: campaignId } });
    expect(report.funnel).toMatchObject({ audience: 5, sent: 5, delivered: 4, opened: 2, clicked: 1, failed: 1 });
    const { pdf, filename } = await renderCampaignReportPdf({ ctx: admin, input: { id: campaignId } });
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(filename).toMatch(/^campaign-autumn-bulbs-report-\d{4}-\d{2}-\d{2}\.pdf$/);
    const text = pdfTextRuns(pdf);
    expect(text).toContain("Campaign report: Autumn bulbs");
    expect(text).toContain("Acme Gardens");
    // Headline: delivered 4, open rate 2/4, click rate 1/4, one failure of five sent (20.0%).
    const headline = text.slice(text.indexOf("Headline"), text.indexOf("Funnel"));
    expect(headline).toEqual(expect.arrayContaining(["Delivered", "4", "Open rate", "50.0%", "Click rate", "25.0%"]));
    expect(text).toContain("1 (20.0%)");
    expect(text).toContain(SALE);
  });

  it("is served to a key with campaigns:read as an attachment, and 404 for another workspace's campaign", async () => {
    const { secret } = await createApiKeyFor(h.handle.db, workspaceId, ["campaigns:read"]);
    const res = await campaignPdf(
      new Request(`http://localhost/api/campaigns/${campaignId}/report.pdf`, {
        headers: { authorization: `Bearer ${secret}` },
      }),
      { params: Promise.resolve({ id: campaignId }) },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="campaign-autumn-bulbs-report-/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");

    const other = await createWorkspace(h.handle.db);
    const foreign = await createApiKeyFor(h.handle.db, other.id, ["campaigns:read"]);
    const denied = await campaignPdf(
      new Request(`http://localhost/api/campaigns/${campaignId}/report.pdf`, {
        headers: { authorization: `Bearer ${foreign.secret}` },
      }),
      { params: Promise.resolve({ id: campaignId }) },
    );
    expect(denied.status).toBe(404);
  });
});

describe("dashboard PDF", () => {
  it("shows the delivery numbers of the dashboard's services for the filters", async () => {
    const stats = await getDeliveryStats({ ctx: admin, input: { channel: "email" } });
    expect(stats.totals).toMatchObject({ sent: 5, delivered: 4, bounced: 1 });
    const { pdf, filename } = await renderDashboardPdf({ ctx: admin, input: { channel: "email" } });
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(filename).toBe(`analytics-acme-gardens-${stats.range.from}-to-${stats.range.to}.pdf`);
    const text = pdfTextRuns(pdf);
    expect(text).toContain("Analytics report");
    expect(text).toContain("Channel: email");
    expect(text).toContain(`${stats.range.from} to ${stats.range.to} (days in ${stats.range.timezone})`);
    const delivery = text.slice(text.indexOf("Delivery"), text.indexOf("Messages sent per day"));
    expect(delivery).toEqual(
      expect.arrayContaining([
        "Sent",
        "5",
        "Delivered",
        "4",
        "Delivery rate",
        "80.0%",
        "Bounced",
        "1",
        "Bounce rate",
        "20.0%",
      ]),
    );
  });

  it("answers 400 for a bad range and 403 without the scope, through the route", async () => {
    const { secret } = await createApiKeyFor(h.handle.db, workspaceId, ["campaigns:read"]);
    const call = (query: string) =>
      dashboardPdf(
        new Request(`http://localhost/api/analytics/report.pdf${query}`, {
          headers: { authorization: `Bearer ${secret}` },
        }),
      );
    const bad = await call("?from=2026-13-01");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "INVALID", message: "Not a date (YYYY-MM-DD)" });
    const ok = await call("?channel=email");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/pdf");
    expect(
      Buffer.from(await ok.arrayBuffer())
        .subarray(0, 5)
        .toString("latin1"),
    ).toBe("%PDF-");
    const none = await createApiKeyFor(h.handle.db, workspaceId, ["contacts:read"]);
    const refused = await dashboardPdf(
      new Request("http://localhost/api/analytics/report.pdf", { headers: { authorization: `Bearer ${none.secret}` } }),
    );
    expect(refused.status).toBe(403);
  });
});
