import { randomUUID } from "node:crypto";
import { expect, test } from "./fixtures";
import type { APIRequestContext, Page } from "@playwright/test";
import config from "../../playwright.config";
import { createTokenCodec } from "../../server/lib/tokens";

/**
 * The pages a contact reaches from a message, against the real server: the unsubscribe page
 * (GET shows, the button or an RFC 8058 POST opts out) and the hosted preference center.
 * Tokens are signed here with the server's APP_SECRET (set in playwright.config.ts).
 */
const serverEnv = (Array.isArray(config.webServer) ? config.webServer[0] : config.webServer)!.env!;
const tokens = createTokenCodec(serverEnv.APP_SECRET!);
const auth = { Authorization: `Bearer ${serverEnv.INIT_ADMIN_API_KEY}` };
const SCREENS = "test-results/screens";

interface Setup {
  workspaceId: string;
  contactId: string;
  topicIds: Record<string, string>;
}

async function setUp(request: APIRequestContext): Promise<Setup> {
  const me = await request.get("/api/v1/me", { headers: auth });
  expect(me.status()).toBe(200);
  const workspaceId = (await me.json()).workspace.id as string;
  const topics = await request.get("/api/v1/topics", { headers: auth });
  const topicIds = Object.fromEntries(
    ((await topics.json()).items as { key: string; id: string }[]).map((t) => [t.key, t.id]),
  );
  const contact = await request.post("/api/v1/contacts", {
    headers: auth,
    data: {
      email: `e2e-${randomUUID().slice(0, 8)}@example.com`,
      phone: `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`,
      firstName: "Robin",
    },
  });
  expect(contact.status()).toBe(200);
  const contactId = (await contact.json()).id as string;
  for (const [channel, topic] of [
    ["email", "newsletter"],
    ["sms", "promotions"],
  ]) {
    const res = await request.post(`/api/v1/contacts/${contactId}/consent`, {
      headers: auth,
      data: {
        channel,
        topic,
        status: "opted_in",
        source: "api",
        evidence: { ip: "203.0.113.5", text: "Yes, keep me posted." },
      },
    });
    expect(res.status()).toBe(200);
  }
  return { workspaceId, contactId, topicIds };
}

async function consent(request: APIRequestContext, contactId: string, channel: string, topic: string) {
  const res = await request.get(`/api/v1/contacts/${contactId}/consent`, { headers: auth });
  expect(res.status()).toBe(200);
  const states = (await res.json()).states as { channel: string; topic: string; status: string; source: string }[];
  return states.find((s) => s.channel === channel && s.topic === topic) ?? null;
}

async function screens(page: Page, name: string) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.screenshot({ path: `${SCREENS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("unsubscribe page: GET shows the topic and changes nothing; the one button opts out and confirms", async ({
  page,
  request,
}) => {
  const { workspaceId, contactId, topicIds } = await setUp(request);
  const token = tokens.sign("unsubscribe", { workspaceId, contactId, channel: "email", topicId: topicIds.newsletter! });

  await page.goto(`/u/${token}`);
  await expect(page.getByRole("heading", { name: "Unsubscribe from Newsletter?" })).toBeVisible();
  await expect(page.getByTestId("workspace-name")).toHaveText(/\S/);
  await expect(page.getByTestId("unsubscribe-topic")).toContainText("Newsletter");
  await expect(page.getByTestId("unsubscribe-channel")).toHaveText("Email");
  await expect(page.getByText(/e•••@example\.com/)).toBeVisible();
  await expect(page.getByRole("button")).toHaveCount(1);
  await screens(page, "unsubscribe");
  // Reading the page (twice, as a mail scanner would) changed nothing.
  await page.reload();
  expect(await consent(request, contactId, "email", "newsletter")).toMatchObject({ status: "opted_in", source: "api" });

  await page.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(page.getByRole("heading", { name: "You’re unsubscribed" })).toBeVisible();
  await expect(page.getByTestId("unsubscribe-confirmation")).toHaveText(
    /You won't get Newsletter emails at e•••@example\.com any more\./,
  );
  await expect(page).toHaveURL(new RegExp(`/u/${token}\\?done=1$`));
  expect(await consent(request, contactId, "email", "newsletter")).toMatchObject({
    status: "opted_out",
    source: "one_click",
  });
  expect(await consent(request, contactId, "sms", "promotions")).toMatchObject({ status: "opted_in" });
  await expect(page.getByRole("link", { name: "Manage your preferences" })).toHaveAttribute(
    "href",
    /^\/preferences\/[A-Za-z0-9_-]+$/,
  );
  await screens(page, "unsubscribe-done");

  await page.getByLabel(/Why are you leaving/).fill("Too many emails");
  await page.getByRole("button", { name: "Send feedback" }).click();
  await expect(page.getByText("Thank you for telling us.")).toBeVisible();
  expect(await consent(request, contactId, "email", "newsletter")).toMatchObject({ status: "opted_out" });
});

test("RFC 8058 one-click: POST /u/{token} with a form body and no cookie → 200 and opted out; bad token → 404", async ({
  playwright,
  baseURL,
}) => {
  const request = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const { workspaceId, contactId, topicIds } = await setUp(request);
  const token = tokens.sign("unsubscribe", {
    workspaceId,
    contactId,
    channel: "sms",
    topicId: topicIds.promotions!,
    messageId: randomUUID(),
  });

  const first = await request.post(`/u/${token}`, { form: { "List-Unsubscribe": "One-Click" }, maxRedirects: 0 });
  expect(first.status()).toBe(200);
  expect(await first.text()).toContain("unsubscribed");
  expect(await consent(request, contactId, "sms", "promotions")).toMatchObject({
    status: "opted_out",
    source: "one_click",
  });
  expect(await consent(request, contactId, "email", "newsletter")).toMatchObject({ status: "opted_in" });

  const again = await request.post(`/u/${token}`, { multipart: { "List-Unsubscribe": "One-Click" }, maxRedirects: 0 });
  expect(again.status()).toBe(200);
  expect(await consent(request, contactId, "sms", "promotions")).toMatchObject({ status: "opted_out" });

  const newsletter = tokens.sign("unsubscribe", {
    workspaceId,
    contactId,
    channel: "email",
    topicId: topicIds.newsletter!,
  });
  const tampered = newsletter.slice(0, 20) + (newsletter[20] === "A" ? "B" : "A") + newsletter.slice(21);
  expect(
    (await request.post(`/u/${tampered}`, { form: { "List-Unsubscribe": "One-Click" }, maxRedirects: 0 })).status(),
  ).toBe(404);
  expect((await request.get(`/u/${tampered}`)).status()).toBe(404);
  const foreign = createTokenCodec("not-the-server-secret-not-the-server-secret").sign("unsubscribe", {
    workspaceId,
    contactId,
    channel: "email",
    topicId: topicIds.newsletter!,
  });
  expect(
    (await request.post(`/u/${foreign}`, { form: { "List-Unsubscribe": "One-Click" }, maxRedirects: 0 })).status(),
  ).toBe(404);
  expect(await consent(request, contactId, "email", "newsletter")).toMatchObject({ status: "opted_in" });
  await request.dispose();
});

test("preference center: shows every topic and channel, double opt-in topics go through confirmation, unsubscribe from everything", async ({
  page,
  request,
}) => {
  const { workspaceId, contactId } = await setUp(request);
  const token = tokens.sign("preferences", { workspaceId, contactId, channel: "email" });
  // Start from: newsletter (email) off, promotions (SMS) off, so both grants are exercised.
  await request.post(`/api/v1/contacts/${contactId}/consent`, {
    headers: auth,
    data: { channel: "email", topic: "newsletter", status: "opted_out", source: "api" },
  });
  await request.post(`/api/v1/contacts/${contactId}/consent`, {
    headers: auth,
    data: { channel: "sms", topic: "promotions", status: "opted_out", source: "api" },
  });

  await page.goto(`/preferences/${token}`);
  await expect(page.getByRole("heading", { name: "Your preferences" })).toBeVisible();
  const newsletter = page.getByRole("switch", { name: "Newsletter: Email" });
  const promotions = page.getByRole("switch", { name: "Promotions: Text messages" });
  await expect(newsletter).toHaveAttribute("aria-checked", "false");
  await expect(promotions).toHaveAttribute("aria-checked", "false");
  // Account notices are transactional: sent whatever is recorded, so "Always on", not a switch.
  await expect(page.getByTestId("always-on-account-notices-email")).toContainText("Always on");
  await expect(page.getByTestId("always-on-account-notices-sms")).toContainText("Always on");
  await expect(page.getByRole("switch", { name: /Account notices/ })).toHaveCount(0);

  await newsletter.click();
  await promotions.click();
  await page.getByRole("button", { name: "Save 2 changes" }).click();
  await expect(page.getByText("Your preferences are saved")).toBeVisible();
  // Both are double opt-in topics: no link grants them; each channel gets its confirmation, and
  // the earlier opt-outs stand until the contact confirms.
  await expect(page.getByTestId("confirmation-notice")).toContainText("Check your inbox");
  await expect(page.getByTestId("confirmation-notice")).toContainText("Check your phone");
  await expect(page.getByTestId("confirmation-notice").getByRole("link", { name: "Enter the code" })).toBeVisible();
  await expect(newsletter).toHaveAttribute("aria-checked", "false");
  expect(await consent(request, contactId, "email", "newsletter")).toMatchObject({
    status: "opted_out",
    source: "api",
  });
  expect(await consent(request, contactId, "sms", "promotions")).toMatchObject({ status: "opted_out", source: "api" });
  await screens(page, "preferences");

  await page.getByLabel(/Why are you leaving/).fill("Inbox zero");
  await page.getByRole("button", { name: "Unsubscribe from everything" }).click();
  await expect(page.getByText(/unsubscribed from all marketing/)).toBeVisible();
  await expect(page.getByRole("switch", { name: "Newsletter: Email" })).toHaveAttribute("aria-checked", "false");
  expect(await consent(request, contactId, "email", "newsletter")).toMatchObject({ status: "opted_out" });
  expect(await consent(request, contactId, "sms", "promotions")).toMatchObject({ status: "opted_out" });
  await screens(page, "preferences-unsubscribed-all");

  expect((await request.get(`/preferences/${token.slice(0, -2)}xy`)).status()).toBe(404);
});
