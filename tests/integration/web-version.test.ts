import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts, messages } from "@/db/schema";
import type { Clock } from "@/server/lib/clock";
import {
  advanceRun,
  createCampaign,
  scheduleCampaign,
  testSendCampaign,
  updateCampaignOptions,
  type RunStep,
} from "@/server/services/campaigns";
import { signResourceToken, verifyResourceToken } from "@/server/lib/resource-tokens";
import { upsertContact } from "@/server/services/contacts";
import type { SendingContext } from "@/server/services/context";
import { createMember, createWorkspace, memberContext } from "@/tests/factories";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * The web version of a campaign email, end to end on a real database (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL): the "View in your browser" link and `{{ web_version_url }}` in the email,
 * and `GET /w/{token}` showing that message as rendered for its contact (strict policy, no
 * tracking or unsubscribe side effects), 404 for an altered token, 410 once the contact is erased
 * or the body is gone.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

async function workspace() {
  const ws = await createWorkspace(h.handle.db, {
    // Click tracking off: these tests read the links as the message carries them.
    settings: { ...NO_QUIET_HOURS, tracking: { opens: false, clicks: false } },
  });
  const member = await createMember(h.handle.db, ws.id, "marketer");
  const ctx = (): SendingContext => memberContext(h.handle.db, ws.id, member.user.id, "marketer");
  await h.topic("news", ["email"], "marketing", ws.id);
  return { id: ws.id, ctx, memberEmail: member.user.email };
}

async function drive(runId: string, now: Clock = () => new Date()): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < 50 && step.state === "more"; i++)
    step = await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } });
  return step;
}

function emailTo(to: string): { subject: string; text: string; html: string } {
  const emails = h.resend.sent.flatMap((call) => (Array.isArray(call.body) ? call.body : [call.body]));
  const found = emails.filter((e: { to: string | string[] }) => [e.to].flat().includes(to)).at(-1);
  if (!found) throw new Error("no email was delivered to that address");
  return found;
}

async function openWebVersion(token: string) {
  const { GET } = await import("@/app/w/[token]/route");
  const res = await GET(new Request(`http://localhost:3000/w/${token}`), { params: Promise.resolve({ token }) });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

const CONTENT = {
  subject: "Hello {{ contact.first_name }}",
  preheader: "Spring is here",
  text: "Hi {{ contact.first_name }}, see https://shop.example.com/spring. Online: {{ web_version_url }}",
  html: '<p>Hi {{ contact.first_name }}, see <a href="https://shop.example.com/spring">the sale</a>. <a href="{{ web_version_url }}">Open online</a></p>',
};

async function sendCampaign(webVersionLink: boolean, first = "Mireille") {
  const ws = await workspace();
  const email = uniqueEmail();
  const { contact } = await upsertContact({ ctx: ws.ctx(), input: { email, firstName: first } });
  const contactId = contact.id;
  await h.optIn(contactId, "email", "news", ws.id);
  const campaign = await createCampaign({
    ctx: ws.ctx(),
    input: { name: "Spring letter", channel: "email", topic: "news", content: CONTENT },
  });
  await updateCampaignOptions({
    ctx: ws.ctx(),
    input: { id: campaign.id, options: { webVersionLink, utm: { term: "web" } } },
  });
  const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
  await drive(runIds[0]!);
  await h.settle();
  const [message] = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runIds[0]!));
  return { ws, email, contactId, message: message!, sent: emailTo(email) };
}

const WEB_LINK = /href="(http:\/\/[^"]+\/w\/([A-Za-z0-9_-]+))"/;

describe("an email campaign with its web version on", () => {
  it('adds "View in your browser" (after the preheader) and {{ web_version_url }}, both to this message, untagged', async () => {
    const { sent, message } = await sendCampaign(true);
    expect(message.status).toBe("sent");
    const match = WEB_LINK.exec(sent.html)!;
    expect(match).not.toBeNull();
    const url = match[1]!;
    expect(url).not.toContain("utm_");
    expect(sent.html).toMatch(/data-preheader="true"[^>]*>Spring is here[\s\S]*?<\/span><div data-web-version-link/);
    expect(sent.html).toContain(">View in your browser</a>");
    // The content's own link is the same URL; the shop link is tagged.
    expect(sent.html).toContain(`<a href="${url}"`);
    expect(sent.html.split(url).length - 1).toBeGreaterThanOrEqual(2);
    expect(sent.html).toContain("utm_term=web");
    expect(sent.text.startsWith(`View in your browser: ${url}\n\n`)).toBe(true);
    expect(sent.text).toContain(`Online: ${url}`);
  });

  it("GET /w/{token} shows that message as rendered for its contact, under a strict policy, without side effects", async () => {
    const { sent, message } = await sendCampaign(true, "Oluwaseun");
    const token = WEB_LINK.exec(sent.html)![2]!;
    const page = await openWebVersion(token);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const policy = page.headers.get("content-security-policy")!;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("form-action 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toMatch(/sandbox/);
    expect(policy).not.toContain("script-src");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.html).toContain("Hi Oluwaseun, see");
    expect(page.html).not.toContain(">View in your browser</a>");
    expect(page.html).not.toMatch(/<script|<form/i);
    // Opening it changes nothing about the message or the contact's consent.
    const after = await h.message(message.id);
    expect(after.status).toBe(message.status);
    expect(after.updatedAt.getTime()).toBe(message.updatedAt.getTime());
  });

  it("an altered or foreign token is 404", async () => {
    const { sent, message } = await sendCampaign(true);
    const token = WEB_LINK.exec(sent.html)![2]!;
    const flipped = `${token.slice(0, 20)}${token[20] === "A" ? "B" : "A"}${token.slice(21)}`;
    for (const bad of [flipped, token.slice(0, -1), "x", `${token}A`]) {
      const page = await openWebVersion(bad);
      expect(page.status, bad).toBe(404);
      expect(page.html).not.toContain("Hi ");
    }
    // A file download token for the same ids never opens a web version (one key per kind).
    const fileToken = signResourceToken("file", { workspaceId: message.workspaceId, id: message.id });
    expect((await openWebVersion(fileToken)).status).toBe(404);
  });

  it("410 Gone once the contact is erased, or when the message body is no longer kept", async () => {
    const first = await sendCampaign(true);
    const token = WEB_LINK.exec(first.sent.html)![2]!;
    expect((await openWebVersion(token)).status).toBe(200);
    await h.handle.db.update(contacts).set({ erasedAt: new Date() }).where(eq(contacts.id, first.contactId));
    const gone = await openWebVersion(token);
    expect(gone.status).toBe(410);
    expect(gone.html).not.toContain("Mireille");

    const second = await sendCampaign(true);
    const token2 = WEB_LINK.exec(second.sent.html)![2]!;
    await h.handle.db.update(messages).set({ htmlCiphertext: null }).where(eq(messages.id, second.message.id));
    expect((await openWebVersion(token2)).status).toBe(410);
  });

  it("a member's test send links to its own copy", async () => {
    const ws = await workspace();
    const campaign = await createCampaign({
      ctx: ws.ctx(),
      input: { name: "Test letter", channel: "email", topic: "news", content: CONTENT },
    });
    await updateCampaignOptions({ ctx: ws.ctx(), input: { id: campaign.id, options: { webVersionLink: true } } });
    const { results } = await testSendCampaign({ ctx: ws.ctx(), input: { id: campaign.id, to: [ws.memberEmail] } });
    await h.settle();
    const sent = emailTo(ws.memberEmail);
    const [, url, token] = WEB_LINK.exec(sent.html)!;
    expect(sent.html).not.toContain("/w/preview");
    expect(sent.text).toContain(`Online: ${url}`);
    const page = await openWebVersion(token!);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Hi Alex, see");
    expect(verifyResourceToken("web_version", token!)?.id).toBe(results[0]!.messageId);
  });
});

describe("an email campaign without its web version", () => {
  it("has no web-version line and {{ web_version_url }} renders empty", async () => {
    const { sent } = await sendCampaign(false);
    expect(sent.html).not.toContain("View in your browser");
    expect(sent.html).not.toMatch(/\/w\//);
    expect(sent.text).toMatch(/Online:\n/);
  });
});
