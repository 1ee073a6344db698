import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, workspaces } from "@/db/schema";
import { renderPreview } from "@/server/services/templates";
import {
  getWorkspaceBrand,
  getWorkspaceLogo,
  getWorkspaceProfile,
  removeWorkspaceLogo,
  setWorkspaceLogo,
  updateWorkspaceProfile,
} from "@/server/services/workspaces";
import { rest } from "@/tests/helpers/http";
import { createApiKeyFor, createWorkspace } from "@/tests/factories";
import { POSTAL, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

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
});

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

async function marketingEmail(workspaceId: string, key: string) {
  const email = uniqueEmail();
  const contactId = await h.contact({ email }, workspaceId);
  await h.optIn(contactId, "email", "news", workspaceId);
  const res = await rest("POST", "/messages/send_with_consent", {
    key,
    body: { contactId, channel: "email", topic: "news", content: { subject: "Spring sale", text: "Hello" } },
  });
  expect(res.status).toBe(200);
  await h.settle();
  return h.resend.sent.at(-1)!;
}

describe("workspace profile: sender, reply-to and postal address", () => {
  it("without a profile, email carries EMAIL_FROM, no Reply-To and the server's POSTAL_ADDRESS", async () => {
    const sent = await marketingEmail(h.workspaceId, h.key);
    expect(sent.body.from).toBe("Test Sender <news@example.com>");
    expect(sent.body.reply_to).toBeUndefined();
    expect(sent.body.html).toContain(POSTAL);
  });

  it("an admin's sender name, reply-to and postal address are what the next email carries, and are audited", async () => {
    const ws = await createWorkspace(h.handle.db, { settings: { other: 1 } });
    await h.topic("news", ["email"], "marketing", ws.id);
    const key = await createApiKeyFor(h.handle.db, ws.id, ["admin"]);
    const ctx = h.ctx();
    const wsCtx = { ...ctx, workspaceId: ws.id };
    await updateWorkspaceProfile({
      ctx: wsCtx,
      input: {
        senderName: "Acme News",
        replyTo: "Support@Acme.example",
        postalAddress: "Acme Inc., 9 Harbour Road, Portland, ME 04101",
        accentColor: "",
        logoUrl: "",
      },
    });
    const sent = await marketingEmail(ws.id, key.secret);
    expect(sent.body.from).toBe('"Acme News" <news@example.com>');
    expect(sent.body.reply_to).toBe("support@acme.example");
    expect(sent.body.headers["Reply-To"]).toBeUndefined();
    expect(sent.body.headers["List-Unsubscribe"]).toBeTruthy();
    expect(sent.body.html).toContain("9 Harbour Road");
    expect(sent.body.html).not.toContain(POSTAL);

    const [row] = await h.handle.db.select().from(workspaces).where(eq(workspaces.id, ws.id));
    expect(row!.settings).toMatchObject({ other: 1, profile: { senderName: "Acme News", accentColor: null } });
    const audits = await h.handle.db.select().from(auditLog).where(eq(auditLog.workspaceId, ws.id));
    expect(audits.map((a) => a.action)).toContain("workspace.profile_updated");

    const view = await getWorkspaceProfile({ ctx: wsCtx });
    expect(view.from).toBe('"Acme News" <news@example.com>');
    expect(view.defaults).toEqual({ from: "Test Sender <news@example.com>", postalAddress: POSTAL });

    const preview = await renderPreview({
      ctx: wsCtx,
      input: {
        channel: "email",
        category: "promotional",
        defaultLocale: "en",
        variables: [],
        variants: { en: { subject: "Hi", text: "Hello" } },
      },
    });
    expect(preview.from).toBe('"Acme News" <news@example.com>');
    expect(preview.html).toContain("9 Harbour Road");
  });

  it("bad values are refused with a message per field and change nothing", async () => {
    const ws = await createWorkspace(h.handle.db);
    const ctx = { ...h.ctx(), workspaceId: ws.id };
    await expect(
      updateWorkspaceProfile({
        ctx,
        input: {
          senderName: 'Acme "<x>"',
          replyTo: "not-an-address",
          postalAddress: "short",
          accentColor: "red",
          logoUrl: "http://insecure.example/logo.png",
        },
      }),
    ).rejects.toMatchObject({
      issues: expect.arrayContaining([
        expect.objectContaining({ path: ["replyTo"], message: "Enter an email address like name@example.com" }),
        expect.objectContaining({ path: ["accentColor"], message: "Enter a colour like #0f766e" }),
        expect.objectContaining({ path: ["senderName"] }),
        expect.objectContaining({ path: ["postalAddress"] }),
        expect.objectContaining({ path: ["logoUrl"] }),
      ]),
    });
    const [row] = await h.handle.db.select().from(workspaces).where(eq(workspaces.id, ws.id));
    expect(row!.settings).toEqual({});
  });

  it("a marketer may not change the profile", async () => {
    const ws = await createWorkspace(h.handle.db);
    await expect(
      updateWorkspaceProfile({
        ctx: { ...h.ctx(), workspaceId: ws.id, actor: { type: "user", userId: crypto.randomUUID(), role: "marketer" } },
        input: { senderName: "X", replyTo: null, postalAddress: null, accentColor: null, logoUrl: null },
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("workspace brand and logo", () => {
  it("an uploaded logo is stored, served by id, named in the brand, and replaced or removed", async () => {
    const ws = await createWorkspace(h.handle.db, { name: "Acme" });
    const ctx = { ...h.ctx(), workspaceId: ws.id };
    expect(await getWorkspaceBrand({ ctx, input: { workspaceId: ws.id } })).toEqual({
      workspaceId: ws.id,
      name: "Acme",
      accentColor: "#0f766e",
      logoSrc: null,
    });

    const { src } = await setWorkspaceLogo({ ctx, input: { contentType: "image/png", data: PNG.toString("base64") } });
    expect(src).toMatch(new RegExp(`^/brand/${ws.id}/logo\\?v=[0-9a-f]{16}$`));
    const logo = await getWorkspaceLogo({ ctx, input: { workspaceId: ws.id } });
    expect(logo?.contentType).toBe("image/png");
    expect(Buffer.compare(logo!.data, PNG)).toBe(0);
    expect((await getWorkspaceBrand({ ctx, input: { workspaceId: ws.id } }))?.logoSrc).toBe(src);

    await updateWorkspaceProfile({
      ctx,
      input: { senderName: null, replyTo: null, postalAddress: null, accentColor: "#FFFF00", logoUrl: null },
    });
    const brand = await getWorkspaceBrand({ ctx, input: { workspaceId: ws.id } });
    // Yellow is too light for white text: the brand carries a darkened, readable shade.
    expect(brand?.accentColor).not.toBe("#ffff00");
    expect(brand?.accentColor).toMatch(/^#[0-9a-f]{6}$/);

    expect(await removeWorkspaceLogo({ ctx })).toEqual({ removed: true });
    expect(await removeWorkspaceLogo({ ctx })).toEqual({ removed: false });
    expect(await getWorkspaceLogo({ ctx, input: { workspaceId: ws.id } })).toBeNull();
  });

  it("a file that is not the image it claims to be is refused and nothing is stored", async () => {
    const ws = await createWorkspace(h.handle.db);
    const ctx = { ...h.ctx(), workspaceId: ws.id };
    await expect(
      setWorkspaceLogo({
        ctx,
        input: { contentType: "image/png", data: Buffer.from("<script>alert(1)</script>").toString("base64") },
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(
      setWorkspaceLogo({
        ctx,
        input: { contentType: "image/svg+xml", data: Buffer.from("<html><script></script>").toString("base64") },
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
    expect(await getWorkspaceLogo({ ctx, input: { workspaceId: ws.id } })).toBeNull();
    expect(await getWorkspaceLogo({ ctx, input: { workspaceId: "not-a-uuid" } })).toBeNull();
  });

  it("an unknown workspace has no brand", async () => {
    expect(await getWorkspaceBrand({ ctx: h.ctx(), input: { workspaceId: crypto.randomUUID() } })).toBeNull();
  });
});
