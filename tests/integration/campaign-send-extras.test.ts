import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as clickRedirect } from "@/app/t/c/[token]/route";
import { messages } from "@/db/schema";
import type { Clock } from "@/server/lib/clock";
import {
  advanceRun,
  createCampaign,
  scheduleCampaign,
  testSendCampaign,
  updateCampaignOptions,
  type RunStep,
} from "@/server/services/campaigns";
import { createMember, createWorkspace, memberContext } from "@/tests/factories";
import { createMessage } from "@/tests/factories/messages";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * What a campaign run adds to each message, end to end on a real database (PGlite, or PostgreSQL
 * with TEST_DATABASE_URL): a legal notice past the frequency caps; the preheader and UTM
 * parameters of a campaign email.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

const CAPPED = {
  messaging: { ...NO_QUIET_HOURS.messaging, frequencyCaps: [{ channel: "any", topicKey: null, max: 1, days: 7 }] },
};

/** A fresh workspace with an admin's context and a marketing topic `news`. */
async function workspace(settings: Record<string, unknown> = NO_QUIET_HOURS) {
  const ws = await createWorkspace(h.handle.db, { settings });
  const member = await createMember(h.handle.db, ws.id, "admin");
  const ctx = () => memberContext(h.handle.db, ws.id, member.user.id, "admin");
  await h.topic("news", ["email", "sms"], "marketing", ws.id);
  return { id: ws.id, ctx, memberEmail: member.user.email };
}

async function person(workspaceId: string, email = uniqueEmail()): Promise<string> {
  const id = await h.contact({ email }, workspaceId);
  await h.optIn(id, "email", "news", workspaceId);
  return id;
}

async function drive(runId: string, now: Clock = () => new Date(), maxSteps = 50): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < maxSteps; i++) {
    step = await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } });
    if (step.state !== "more") return step;
  }
  return step;
}

async function newsCampaign(ctx: ReturnType<Awaited<ReturnType<typeof workspace>>["ctx"]>, name = "Spring news") {
  return createCampaign({
    ctx,
    input: { name, channel: "email", topic: "news", content: { subject: "Hello", text: "News for you" } },
  });
}

describe("a legal notice ignores frequency caps at send time", () => {
  /**
   * The contact reaches the cap after the audience was frozen (a message recorded between the
   * freeze and the chunk), so the pipeline's decision is what lets the legal notice through or
   * blocks the normal campaign.
   */
  async function runWithCapReachedAfterFreeze(legal: boolean) {
    const ws = await workspace(CAPPED);
    const contactId = await person(ws.id);
    const campaign = await newsCampaign(ws.ctx(), legal ? "Terms update" : "Weekly news");
    if (legal)
      await updateCampaignOptions({
        ctx: ws.ctx(),
        input: { id: campaign.id, options: { ignoreFrequencyCaps: true } },
      });
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    const runId = runIds[0]!;
    await advanceRun({ ctx: { db: h.handle.db, now: () => new Date(), outbox: h.outbox }, input: { runId } });
    await createMessage(h.handle.db, {
      workspaceId: ws.id,
      contactId,
      topic: "news",
      kind: "marketing",
      status: "sent",
      createdAt: new Date(Date.now() - 60 * 60 * 1000),
    });
    await drive(runId);
    await h.settle();
    const [message] = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runId));
    return message!;
  }

  it("a capped contact receives the legal notice; the decision says the caps were ignored", async () => {
    const message = await runWithCapReachedAfterFreeze(true);
    expect(message.status).toBe("sent");
    expect(message.decision!.checks).toContain("frequency cap: ignored (legal notice)");
    expect(message.decision!.checks.some((line) => line.startsWith("consent: opted_in"))).toBe(true);
  });

  it("the same contact is blocked frequency_cap by a normal campaign", async () => {
    const message = await runWithCapReachedAfterFreeze(false);
    expect([message.status, message.reason]).toEqual(["blocked", "frequency_cap"]);
    expect(message.decision!.checks).toContain("frequency cap: 1 of 1 marketing messages on any channel in 7 days");
  });

  it("consent still applies to a legal notice: an opt-out after the freeze blocks it", async () => {
    const ws = await workspace(CAPPED);
    const contactId = await person(ws.id);
    const campaign = await newsCampaign(ws.ctx(), "Terms update");
    await updateCampaignOptions({ ctx: ws.ctx(), input: { id: campaign.id, options: { ignoreFrequencyCaps: true } } });
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    await advanceRun({
      ctx: { db: h.handle.db, now: () => new Date(), outbox: h.outbox },
      input: { runId: runIds[0]! },
    });
    await h.optOut(contactId, "email", "news", ws.id);
    await drive(runIds[0]!);
    const [message] = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runIds[0]!));
    expect([message!.status, message!.reason]).toEqual(["blocked", "opted_out"]);
  });
});

/** The email the provider received for `to` (the last one). */
function emailTo(to: string): { subject: string; text: string; html: string } {
  const emails = h.resend.sent.flatMap((call) => (Array.isArray(call.body) ? call.body : [call.body]));
  const found = emails.filter((e: { to: string | string[] }) => [e.to].flat().includes(to)).at(-1);
  if (!found) throw new Error("no email was delivered to that address");
  return found;
}

describe("a campaign email's preheader and UTM parameters", () => {
  const UTM = "utm_source=optin&utm_medium=email&utm_campaign=spring-sale-2026&utm_term=shoes";
  const content = {
    subject: "Spring",
    preheader: "Spring deals inside",
    text: "Shop at https://shop.example.com/sale?ref=1. Questions: mailto:help@example.com\nLeave: {{ unsubscribe_url }}",
    html: '<p>Shop <a href="https://shop.example.com/sale?ref=1">now</a>. <a href="mailto:help@example.com">Write</a> <a href="tel:+15555550100">Call</a> <a href="{{ unsubscribe_url }}">Leave</a> <a href="{{ preferences_url }}">Choose</a></p>',
  };

  /** Click tracking off unless asked for: these tests read the links as the message carries them. */
  async function sendCampaign(withUtm: boolean, tracking = false) {
    const ws = await workspace(
      tracking ? NO_QUIET_HOURS : { ...NO_QUIET_HOURS, tracking: { opens: false, clicks: false } },
    );
    const email = uniqueEmail();
    await person(ws.id, email);
    const campaign = await createCampaign({
      ctx: ws.ctx(),
      input: { name: "Spring Sale 2026!", channel: "email", topic: "news", content },
    });
    expect(campaign.content?.preheader).toBe("Spring deals inside");
    if (withUtm)
      await updateCampaignOptions({ ctx: ws.ctx(), input: { id: campaign.id, options: { utm: { term: "shoes" } } } });
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    await drive(runIds[0]!);
    await h.settle();
    return { ws, email, campaign };
  }

  it("the hidden preheader opens the body; http(s) links carry the UTM parameters, unsubscribe, preferences, mailto: and tel: do not", async () => {
    const { email } = await sendCampaign(true);
    const sent = emailTo(email);
    expect(sent.html).toMatch(
      /<body[^>]*>\s*<span data-preheader="true" style="display:none[^"]*">Spring deals inside/,
    );
    expect(sent.html).toContain(`href="https://shop.example.com/sale?ref=1&amp;${UTM.replace(/&/g, "&amp;")}"`);
    expect(sent.text).toContain(
      `Shop at https://shop.example.com/sale?ref=1&${UTM}. Questions: mailto:help@example.com`,
    );
    expect(sent.html).toContain('href="mailto:help@example.com"');
    expect(sent.html).toContain('href="tel:+15555550100"');
    // Every link to the app (unsubscribe, preferences, in the body and the footer) is exactly as signed.
    const appLinks = [...sent.html.matchAll(/href="(http:\/\/[^"]*\/(?:u|preferences)\/[^"]*)"/g)].map((m) => m[1]!);
    expect(appLinks.length).toBeGreaterThanOrEqual(4);
    expect(appLinks.some((link) => link.includes("utm_"))).toBe(false);
    expect(sent.text.match(/https?:\/\/\S*\/u\/\S*/g)!.some((link) => link.includes("utm_"))).toBe(false);
  });

  it("with click tracking on, the redirect goes to the UTM-tagged link; app links stay as signed", async () => {
    const { email } = await sendCampaign(true, true);
    const sent = emailTo(email);
    expect(sent.html).not.toContain("shop.example.com");
    const token = /\/t\/c\/([A-Za-z0-9_-]+)/.exec(sent.html)![1]!;
    const response = await clickRedirect(new Request(`http://localhost:3000/t/c/${token}`), {
      params: Promise.resolve({ token }),
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`https://shop.example.com/sale?ref=1&${UTM}`);
    const appLinks = [...sent.html.matchAll(/href="(http:\/\/[^"]*\/(?:u|preferences)\/[^"]*)"/g)].map((m) => m[1]!);
    expect(appLinks.length).toBeGreaterThanOrEqual(4);
  });

  it("without UTM settings the links stay as written", async () => {
    const { email } = await sendCampaign(false);
    const sent = emailTo(email);
    expect(sent.html).toContain('href="https://shop.example.com/sale?ref=1"');
    expect(sent.text).toContain("Shop at https://shop.example.com/sale?ref=1.");
    expect(sent.html).toContain("Spring deals inside");
  });

  it("a test send to a member shows the preheader and the tagged links, as the real send will", async () => {
    const ws = await workspace();
    const campaign = await createCampaign({
      ctx: ws.ctx(),
      input: { name: "Spring Sale 2026!", channel: "email", topic: "news", content },
    });
    await updateCampaignOptions({ ctx: ws.ctx(), input: { id: campaign.id, options: { utm: { term: "shoes" } } } });
    const { results } = await testSendCampaign({ ctx: ws.ctx(), input: { id: campaign.id, to: [ws.memberEmail] } });
    expect(results[0]).toMatchObject({ member: true, status: "queued" });
    await h.settle();
    const sent = emailTo(ws.memberEmail);
    expect(sent.html).toContain("Spring deals inside");
    expect(sent.html).toContain(`href="https://shop.example.com/sale?ref=1&amp;${UTM.replace(/&/g, "&amp;")}"`);
  });
});
