import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { auditLog, campaignAttachments, campaigns, messages } from "@/db/schema";
import type { Clock } from "@/server/lib/clock";
import { createLogEmailTransport } from "@/server/providers/email/log/transport";
import { MAX_ATTACHMENT_TOTAL_BYTES } from "@/server/shared/attachments";
import {
  addCampaignAttachment,
  advanceRun,
  createCampaign,
  duplicateCampaign,
  listCampaignAttachments,
  scheduleCampaign,
  testSendCampaign,
  updateCampaignOptions,
  type RunStep,
} from "@/server/services/campaigns";
import type { SendingContext, ServiceContext } from "@/server/services/context";
import { resendMessage } from "@/server/services/messages";
import { buildOutbox } from "@/server/wiring";
import { createApiKeyFor, createMember, createWorkspace, memberContext } from "@/tests/factories";
import { rest } from "@/tests/helpers/http";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * Files of an email campaign, end to end on a real database (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL): the upload route and its limits (count, size, dangerous types), the REST
 * list and remove, scopes, the audit rows, the provider request carrying the files (the Resend
 * stub, and the log transport), and files sent as signed links served by `/files/{token}`.
 */

// The upload route reads the session through next/headers and Auth.js; API keys need neither.
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/server/auth", () => ({ auth: async () => null }));

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

async function workspace() {
  const ws = await createWorkspace(h.handle.db, { settings: NO_QUIET_HOURS });
  const member = await createMember(h.handle.db, ws.id, "marketer");
  const ctx = (): SendingContext => memberContext(h.handle.db, ws.id, member.user.id, "marketer");
  await h.topic("news", ["email", "sms"], "marketing", ws.id);
  const writer = await createApiKeyFor(h.handle.db, ws.id, ["campaigns:write"]);
  const reader = await createApiKeyFor(h.handle.db, ws.id, ["campaigns:read"]);
  return { id: ws.id, ctx, memberEmail: member.user.email, writeKey: writer.secret, readKey: reader.secret };
}

async function emailCampaign(ctx: ServiceContext, name = "Spring catalogue") {
  return createCampaign({
    ctx,
    input: {
      name,
      channel: "email",
      topic: "news",
      content: { subject: "Our catalogue", text: "Hello {{ contact.email }}, the catalogue is attached." },
    },
  });
}

/** `POST /api/campaigns/{id}/attachments` as the route handler sees it. */
async function upload(
  key: string,
  campaignId: string,
  file: { name: string; bytes: Uint8Array; type?: string } | null,
  init: { body?: BodyInit; contentType?: string } = {},
) {
  const { POST } = await import("@/app/api/campaigns/[id]/attachments/route");
  let body = init.body;
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (file) {
    const form = new FormData();
    form.append("file", new File([file.bytes as BlobPart], file.name, { type: file.type ?? "" }));
    const request = new Request("http://localhost/", { method: "POST", body: form });
    headers["content-type"] = request.headers.get("content-type")!;
    body = await request.arrayBuffer();
  } else if (init.contentType) headers["content-type"] = init.contentType;
  const res = await POST(
    new Request(`http://localhost:3000/api/campaigns/${campaignId}/attachments`, { method: "POST", headers, body }),
    { params: Promise.resolve({ id: campaignId }) },
  );
  return { status: res.status, body: await res.json() };
}

async function drive(runId: string, now: Clock = () => new Date()): Promise<RunStep> {
  let step: RunStep = { state: "more" };
  for (let i = 0; i < 50 && step.state === "more"; i++)
    step = await advanceRun({ ctx: { db: h.handle.db, now, outbox: h.outbox }, input: { runId } });
  return step;
}

async function person(workspaceId: string, email = uniqueEmail()) {
  const id = await h.contact({ email }, workspaceId);
  await h.optIn(id, "email", "news", workspaceId);
  return { id, email };
}

/** Every email the Resend stub received, single and batch calls flattened, with its call's path. */
function resendEmails(): { path: string; email: any }[] {
  return h.resend.sent.flatMap((call) =>
    (Array.isArray(call.body) ? call.body : [call.body]).map((email: unknown) => ({ path: call.path, email })),
  );
}

describe("uploading files to an email campaign", () => {
  it("stores a file with a sanitised name, the type of its extension and its hash; lists it over REST", async () => {
    const ws = await workspace();
    const campaign = await emailCampaign(ws.ctx());
    const res = await upload(ws.writeKey, campaign.id, {
      name: "../../etc/Cata\u202Elogue 2026.pdf",
      bytes: PDF,
      type: "application/octet-stream",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      campaignId: campaign.id,
      filename: "Catalogue 2026.pdf",
      contentType: "application/pdf",
      sizeBytes: PDF.length,
    });
    expect(res.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body).not.toHaveProperty("bytes");

    const list = await rest("GET", `/campaigns/${campaign.id}/attachments`, { key: ws.readKey });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      totalBytes: PDF.length,
      maxBytes: MAX_ATTACHMENT_TOTAL_BYTES,
      maxFiles: 10,
      delivery: "attach",
    });
    expect(list.body.items.map((f: { filename: string }) => f.filename)).toEqual(["Catalogue 2026.pdf"]);

    // The same file again is the same attachment, not a second copy.
    const again = await upload(ws.writeKey, campaign.id, { name: "Catalogue 2026.pdf", bytes: PDF });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(res.body.id);
    const stored = await h.handle.db
      .select()
      .from(campaignAttachments)
      .where(eq(campaignAttachments.campaignId, campaign.id));
    expect(stored).toHaveLength(1);
    expect(Buffer.from(stored[0]!.bytes).equals(PDF)).toBe(true);
  });

  it("refuses dangerous types by extension, declared type and content, with a clear 400 and nothing stored", async () => {
    const ws = await workspace();
    const campaign = await emailCampaign(ws.ctx());
    const cases = [
      { name: "setup.exe", bytes: Buffer.from("hello"), message: /\.exe cannot be attached/ },
      { name: "run.BAT", bytes: Buffer.from("echo"), message: /\.bat cannot be attached/ },
      { name: "invoice.pdf.js", bytes: Buffer.from("alert(1)"), message: /\.js cannot be attached/ },
      { name: "page.html", bytes: Buffer.from("<p>x</p>"), message: /\.html cannot be attached/ },
      { name: "notes.txt", bytes: Buffer.from("x"), type: "text/html", message: /type text\/html/ },
      { name: "report.pdf", bytes: Buffer.from("MZ\x90\x00program"), message: /Windows program/ },
      { name: "readme.txt", bytes: Buffer.from("  <!DOCTYPE html><script>"), message: /web page/ },
    ];
    for (const c of cases) {
      const res = await upload(ws.writeKey, campaign.id, c);
      expect(res.status, c.name).toBe(400);
      expect(res.body.message, c.name).toMatch(c.message);
    }
    const empty = await upload(ws.writeKey, campaign.id, { name: "empty.txt", bytes: new Uint8Array(0) });
    expect([empty.status, empty.body.message]).toEqual([400, "The file is empty"]);
    const notMultipart = await upload(ws.writeKey, campaign.id, null, { body: "x", contentType: "text/plain" });
    expect(notMultipart.status).toBe(415);
    const noField = await upload(ws.writeKey, campaign.id, null, {
      body: '--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--b--\r\n',
      contentType: "multipart/form-data; boundary=b",
    });
    expect([noField.status, noField.body.message]).toEqual([400, "Send the file in a form field named `file`"]);
    expect(
      await h.handle.db.select().from(campaignAttachments).where(eq(campaignAttachments.campaignId, campaign.id)),
    ).toEqual([]);
  });

  it("allows at most 10 files and 5 MB in all per campaign", async () => {
    const ws = await workspace();
    const campaign = await emailCampaign(ws.ctx());
    for (let i = 0; i < 10; i++) {
      const res = await upload(ws.writeKey, campaign.id, { name: `part-${i}.txt`, bytes: Buffer.from(`part ${i}`) });
      expect(res.status).toBe(201);
    }
    const eleventh = await upload(ws.writeKey, campaign.id, { name: "part-10.txt", bytes: Buffer.from("part 10") });
    expect(eleventh.status).toBe(400);
    expect(eleventh.body.message).toMatch(/at most 10 files/);

    const big = await emailCampaign(ws.ctx(), "Big files");
    const four = Buffer.alloc(4 * 1024 * 1024, 0x61);
    expect((await upload(ws.writeKey, big.id, { name: "four.txt", bytes: four })).status).toBe(201);
    const over = await upload(ws.writeKey, big.id, { name: "two.txt", bytes: Buffer.alloc(2 * 1024 * 1024, 0x62) });
    expect(over.status).toBe(400);
    expect(over.body.message).toMatch(/the most is 5 MB.*hosted file/);
    const tooLarge = await upload(ws.writeKey, big.id, {
      name: "six.txt",
      bytes: Buffer.alloc(MAX_ATTACHMENT_TOTAL_BYTES + 70 * 1024, 0x63),
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.code).toBe("PAYLOAD_TOO_LARGE");
    const list = await listCampaignAttachments({ ctx: ws.ctx(), input: { id: big.id } });
    expect(list.items.map((f) => f.filename)).toEqual(["four.txt"]);
  });

  it("needs campaigns:write to upload and remove, campaigns:read to list; another workspace's campaign is 404", async () => {
    const ws = await workspace();
    const campaign = await emailCampaign(ws.ctx());
    expect((await upload(ws.readKey, campaign.id, { name: "a.txt", bytes: Buffer.from("a") })).status).toBe(403);
    const uploaded = await upload(ws.writeKey, campaign.id, { name: "a.txt", bytes: Buffer.from("a") });
    const removeByReader = await rest("POST", `/campaigns/${campaign.id}/remove_attachment`, {
      key: ws.readKey,
      body: { attachmentId: uploaded.body.id },
    });
    expect(removeByReader.status).toBe(403);
    const other = await workspace();
    expect((await upload(other.writeKey, campaign.id, { name: "b.txt", bytes: Buffer.from("b") })).status).toBe(404);
    expect((await rest("GET", `/campaigns/${campaign.id}/attachments`, { key: other.readKey })).status).toBe(404);
    const removeElsewhere = await rest("POST", `/campaigns/${campaign.id}/remove_attachment`, {
      key: other.writeKey,
      body: { attachmentId: uploaded.body.id },
    });
    expect(removeElsewhere.status).toBe(404);
    expect((await listCampaignAttachments({ ctx: ws.ctx(), input: { id: campaign.id } })).items).toHaveLength(1);
  });

  it("removes a file (idempotently), audits the upload and the removal, and refuses changes once sent", async () => {
    const ws = await workspace();
    const campaign = await emailCampaign(ws.ctx());
    const a = await upload(ws.writeKey, campaign.id, { name: "a.txt", bytes: Buffer.from("aaa") });
    const b = await upload(ws.writeKey, campaign.id, { name: "b.txt", bytes: Buffer.from("bbbb") });
    const removed = await rest("POST", `/campaigns/${campaign.id}/remove_attachment`, {
      key: ws.writeKey,
      body: { attachmentId: a.body.id },
    });
    expect(removed.status).toBe(200);
    expect(removed.body.items.map((f: { id: string }) => f.id)).toEqual([b.body.id]);
    expect(removed.body.totalBytes).toBe(4);
    const again = await rest("POST", `/campaigns/${campaign.id}/remove_attachment`, {
      key: ws.writeKey,
      body: { attachmentId: a.body.id },
    });
    expect([again.status, again.body.items.length]).toEqual([200, 1]);

    const audit = await h.handle.db
      .select({
        action: auditLog.action,
        before: auditLog.before,
        after: auditLog.after,
        actorType: auditLog.actorType,
      })
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws.id), eq(auditLog.targetId, campaign.id)))
      .orderBy(auditLog.seq);
    const actions = audit.map((row) => row.action);
    expect(actions.filter((x) => x === "campaign.attachment_added")).toHaveLength(2);
    expect(actions.filter((x) => x === "campaign.attachment_removed")).toHaveLength(1);
    const added = audit.find((row) => row.action === "campaign.attachment_added")!;
    expect(added).toMatchObject({ actorType: "apiKey", after: { filename: "a.txt", sizeBytes: 3 } });
    expect(JSON.stringify(added.after)).not.toContain("aaa");
    expect(audit.find((row) => row.action === "campaign.attachment_removed")!.before).toMatchObject({
      attachmentId: a.body.id,
      filename: "a.txt",
    });

    await h.handle.db.update(campaigns).set({ status: "completed" }).where(eq(campaigns.id, campaign.id));
    const late = await upload(ws.writeKey, campaign.id, { name: "c.txt", bytes: Buffer.from("c") });
    expect(late.status).toBe(409);
    const lateRemove = await rest("POST", `/campaigns/${campaign.id}/remove_attachment`, {
      key: ws.writeKey,
      body: { attachmentId: b.body.id },
    });
    expect(lateRemove.status).toBe(409);
    expect((await listCampaignAttachments({ ctx: ws.ctx(), input: { id: campaign.id } })).items).toHaveLength(1);
  });

  it("an SMS campaign takes no files and no web version", async () => {
    const ws = await workspace();
    const sms = await createCampaign({
      ctx: ws.ctx(),
      input: { name: "Texts", channel: "sms", topic: "news", content: { text: "Hi" } },
    });
    await expect(
      addCampaignAttachment({
        ctx: ws.ctx(),
        input: { id: sms.id, filename: "a.txt", contentType: "text/plain", bytes: Buffer.from("a") },
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(
      updateCampaignOptions({ ctx: ws.ctx(), input: { id: sms.id, options: { webVersionLink: true } } }),
    ).rejects.toMatchObject({ code: "INVALID", field: "options.webVersionLink" });
  });
});

describe("sending a campaign with files", () => {
  it("attach (default): each email carries the files through the provider, sent one by one; the message names them by id only", async () => {
    const ws = await workspace();
    const [alice, bob] = [await person(ws.id), await person(ws.id)];
    const campaign = await emailCampaign(ws.ctx(), "Catalogue run");
    const pdf = await addCampaignAttachment({
      ctx: ws.ctx(),
      input: { id: campaign.id, filename: "catalogue.pdf", contentType: "application/pdf", bytes: PDF },
    });
    const before = h.resend.sent.length;
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    await drive(runIds[0]!);
    await h.settle();

    const sent = resendEmails().slice(before);
    for (const to of [alice.email, bob.email]) {
      const call = sent.find((s) => [s.email.to].flat().includes(to))!;
      expect(call.path).toBe("/emails");
      expect(call.email.attachments).toEqual([
        { content: PDF.toString("base64"), filename: "catalogue.pdf", content_type: "application/pdf" },
      ]);
    }
    const rows = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runIds[0]!));
    expect(rows.map((r) => r.status).sort()).toEqual(["sent", "sent"]);
    for (const row of rows) {
      expect(row.options).toMatchObject({ attachments: [pdf.id] });
      expect(JSON.stringify(row.options)).not.toContain(PDF.toString("base64").slice(0, 20));
    }
  });

  it("a resend carries the same files; a duplicate of the campaign keeps its files and how they are delivered", async () => {
    const ws = await workspace();
    const contact = await person(ws.id);
    const campaign = await emailCampaign(ws.ctx(), "Resent catalogue");
    const file = await addCampaignAttachment({
      ctx: ws.ctx(),
      input: { id: campaign.id, filename: "catalogue.pdf", contentType: "application/pdf", bytes: PDF },
    });
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    await drive(runIds[0]!);
    await h.settle();
    const [first] = await h.handle.db.select().from(messages).where(eq(messages.campaignRunId, runIds[0]!));
    const before = h.resend.sent.length;
    const resent = await resendMessage({ ctx: ws.ctx(), input: { id: first!.id } });
    await h.settle();
    expect((await h.message(resent.messageId)).options).toMatchObject({ attachments: [file.id] });
    const call = resendEmails()
      .slice(before)
      .find((s) => [s.email.to].flat().includes(contact.email))!;
    expect(call.email.attachments?.[0]?.filename).toBe("catalogue.pdf");

    const linked = await emailCampaign(ws.ctx(), "Linked original");
    await addCampaignAttachment({
      ctx: ws.ctx(),
      input: { id: linked.id, filename: "a.txt", contentType: "text/plain", bytes: Buffer.from("A") },
    });
    await updateCampaignOptions({
      ctx: ws.ctx(),
      input: { id: linked.id, options: { attachmentDelivery: "link", webVersionLink: true, maxErrors: 5 } },
    });
    const copy = await duplicateCampaign({ ctx: ws.ctx(), input: { id: linked.id } });
    expect(copy.options).toEqual({ attachmentDelivery: "link", webVersionLink: true });
    const files = await listCampaignAttachments({ ctx: ws.ctx(), input: { id: copy.id } });
    expect(files.items.map((f) => [f.filename, f.sizeBytes])).toEqual([["a.txt", 1]]);
    expect(files.delivery).toBe("link");
    const original = await listCampaignAttachments({ ctx: ws.ctx(), input: { id: linked.id } });
    expect(files.items[0]!.id).not.toBe(original.items[0]!.id);
  });

  it("a test send carries the files too, to a member and to a contact", async () => {
    const ws = await workspace();
    const contact = await person(ws.id);
    const campaign = await emailCampaign(ws.ctx(), "Test with file");
    await addCampaignAttachment({
      ctx: ws.ctx(),
      input: { id: campaign.id, filename: "terms.txt", contentType: "text/plain", bytes: Buffer.from("Terms") },
    });
    const before = h.resend.sent.length;
    const { results } = await testSendCampaign({
      ctx: ws.ctx(),
      input: { id: campaign.id, to: [ws.memberEmail, contact.email] },
    });
    expect(results.map((r) => r.status)).toEqual(["queued", "queued"]);
    await h.settle();
    const sent = resendEmails().slice(before);
    for (const to of [ws.memberEmail, contact.email]) {
      const call = sent.find((s) => [s.email.to].flat().includes(to))!;
      expect(call.email.attachments?.[0]).toMatchObject({
        filename: "terms.txt",
        content_type: "text/plain",
        content: Buffer.from("Terms").toString("base64"),
      });
    }
  });

  it("the log transport receives the files with the email", async () => {
    const ws = await workspace();
    const contact = await person(ws.id);
    const campaign = await emailCampaign(ws.ctx(), "Log transport");
    await addCampaignAttachment({
      ctx: ws.ctx(),
      input: { id: campaign.id, filename: "menu.txt", contentType: "text/plain", bytes: Buffer.from("Soup") },
    });
    // The same send, delivered through an outbox whose email transport is the log transport.
    const log = createLogEmailTransport();
    const outbox = buildOutbox({ transports: { email: log, sms: h.outbox.transports.sms } });
    const { results } = await testSendCampaign({
      ctx: { ...ws.ctx(), outbox },
      input: { id: campaign.id, to: [contact.email] },
    });
    expect(results[0]!.status).toBe("queued");
    await outbox.idle();
    const email = log.sent.find((e) => e.to === contact.email)!;
    expect(email.attachments).toHaveLength(1);
    expect(email.attachments![0]).toMatchObject({ filename: "menu.txt", contentType: "text/plain" });
    expect(email.attachments![0]!.content.toString()).toBe("Soup");
  });

  it("link: the email lists signed download links instead; /files/{token} serves the bytes, a tampered token is 404", async () => {
    const ws = await workspace();
    const contact = await person(ws.id);
    const campaign = await emailCampaign(ws.ctx(), "Linked files");
    await addCampaignAttachment({
      ctx: ws.ctx(),
      input: { id: campaign.id, filename: "Price list é.pdf", contentType: "application/pdf", bytes: PDF },
    });
    await updateCampaignOptions({
      ctx: ws.ctx(),
      input: { id: campaign.id, options: { attachmentDelivery: "link", utm: { term: "files" } } },
    });
    expect((await listCampaignAttachments({ ctx: ws.ctx(), input: { id: campaign.id } })).delivery).toBe("link");
    const before = h.resend.sent.length;
    const { runIds } = await scheduleCampaign({ ctx: ws.ctx(), input: { id: campaign.id } });
    await drive(runIds[0]!);
    await h.settle();
    const email = resendEmails()
      .slice(before)
      .find((s) => [s.email.to].flat().includes(contact.email))!.email;
    expect(email.attachments).toBeUndefined();
    expect(email.html).toContain(">Files</p>");
    const link = /href="(http:\/\/[^"]+\/files\/([A-Za-z0-9_-]+))"/.exec(email.html)!;
    expect(link).not.toBeNull();
    expect(link[1]).not.toContain("utm_");
    expect(email.html).toContain("Price list é.pdf</a>");
    expect(email.text).toMatch(/Files:\n- Price list é\.pdf \(\d+ bytes\): http:\/\/\S+\/files\/[A-Za-z0-9_-]+\n/);
    expect(email.text.indexOf("Files:")).toBeLessThan(email.text.indexOf("\n--\n"));

    const { GET } = await import("@/app/files/[token]/route");
    const token = link[2]!;
    const res = await GET(new Request(link[1]!), { params: Promise.resolve({ token }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="Price list _.pdf"; filename*=UTF-8''${encodeURIComponent("Price list é.pdf")}`,
    );
    expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);

    const flipped = `${token.slice(0, 10)}${token[10] === "A" ? "B" : "A"}${token.slice(11)}`;
    for (const bad of [flipped, `${token}x`, "nope"]) {
      const miss = await GET(new Request(`http://localhost/files/${bad}`), { params: Promise.resolve({ token: bad }) });
      expect(miss.status, bad).toBe(404);
    }
    // A removed file's link is 404 from then on.
    await h.handle.db.delete(campaignAttachments).where(eq(campaignAttachments.campaignId, campaign.id));
    expect((await GET(new Request(link[1]!), { params: Promise.resolve({ token }) })).status).toBe(404);
  });
});
