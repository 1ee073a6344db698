import { randomUUID } from "node:crypto";
import { expect, test } from "./fixtures";
import config from "../../playwright.config";
import { createTokenCodec } from "../../server/lib/tokens";
import { signIn } from "./helpers";

/**
 * The pages a contact reaches without signing in, as one product: a hosted form offering several
 * topics lets the person choose (nothing ticked for them) and records only what they ticked, and a
 * link that no longer works still leads somewhere: a page in the workspace's brand (or the
 * product's, when the link names none) saying how to unsubscribe anyway, with status 404.
 */
const serverEnv = (Array.isArray(config.webServer) ? config.webServer[0] : config.webServer)!.env!;
const tokens = createTokenCodec(serverEnv.APP_SECRET!);
const auth = { Authorization: `Bearer ${serverEnv.INIT_ADMIN_API_KEY}` };
const SCREENS = "test-results/screens";

test("a hosted form with two topics: nothing ticked, the person ticks one, consent is recorded for that one only", async ({
  page,
  browser,
  request,
}) => {
  const stamp = Date.now();
  const topicIds: string[] = [];
  const keys = { sale: `e2e-spring-sale-${stamp}`, notes: `e2e-roast-notes-${stamp}` };
  for (const [key, name] of [
    [keys.sale, "Spring sale"],
    [keys.notes, "Roast notes"],
  ] as const) {
    const res = await request.post("/api/v1/topics", {
      headers: auth,
      data: { key, name, channels: ["email"], kind: "marketing" },
    });
    expect(res.status()).toBe(200);
    topicIds.push((await res.json()).id as string);
  }

  await signIn(page);
  const created = await page.request.post("/api/trpc/forms.create", {
    headers: { "content-type": "application/json", origin: config.use!.baseURL! },
    data: {
      json: {
        name: `Two topics ${randomUUID().slice(0, 6)}`,
        definition: {
          title: "Pick your news",
          fields: [{ name: "email", required: true }],
          topicIds,
          consentText: "I agree to receive the emails I ticked above. I can unsubscribe at any time.",
          doubleOptIn: false,
        },
      },
    },
  });
  expect(created.status()).toBe(200);
  const formKey = (await created.json()).result.data.json.key as string;

  const visitor = await browser.newContext();
  const publicPage = await visitor.newPage();
  await publicPage.setViewportSize({ width: 390, height: 844 });
  const response = await publicPage.goto(`/f/${formKey}`);
  expect(response?.status()).toBe(200);
  const sale = publicPage.getByRole("checkbox", { name: /Spring sale/ });
  const notes = publicPage.getByRole("checkbox", { name: /Roast notes/ });
  await expect(sale).not.toBeChecked();
  await expect(notes).not.toBeChecked();
  await expect(publicPage.getByText("Powered by OptIn Manager")).toBeVisible();
  await publicPage.screenshot({ path: `${SCREENS}/hosted-form-topics-390.png`, fullPage: true });

  // Nothing ticked: the form comes back with the message and the address kept.
  const email = `chooser-${stamp}@example.com`;
  await publicPage.getByLabel("Email").fill(email);
  await publicPage.getByRole("button", { name: "Subscribe" }).click();
  await expect(publicPage.getByText("Choose at least one topic")).toBeVisible();
  await expect(publicPage.getByLabel("Email")).toHaveValue(email);
  await publicPage.screenshot({ path: `${SCREENS}/hosted-form-topics-error-390.png`, fullPage: true });

  await publicPage.getByRole("checkbox", { name: /Spring sale/ }).check();
  await publicPage.getByRole("button", { name: "Subscribe" }).click();
  await expect(publicPage.getByRole("heading", { name: "You're subscribed" })).toBeVisible();
  await visitor.close();

  const found = await request.get(`/api/v1/contacts?email=${encodeURIComponent(email)}`, { headers: auth });
  const contact = (await found.json()).items[0];
  const consent = await (await request.get(`/api/v1/contacts/${contact.id}/consent`, { headers: auth })).json();
  expect(consent.states).toEqual([
    expect.objectContaining({ channel: "email", topic: keys.sale, status: "opted_in", source: "form" }),
  ]);
});

test("a broken unsubscribe or preference link answers 404 with a page saying how to unsubscribe anyway", async ({
  page,
  request,
}) => {
  for (const path of ["/u/xyz", "/preferences/xyz"]) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(404);
    const html = await res.text();
    expect(html).toContain("This link is not valid");
    expect(html).toContain("STOP");

    const response = await page.goto(path);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "This link is not valid" })).toBeVisible();
    await expect(page.getByText(/reply\s+STOP\s+to any text/)).toBeVisible();
    await expect(page.getByText(/unsubscribe link at the bottom of any newer email/)).toBeVisible();
    // No workspace to name: the product's own brand.
    await expect(page.getByTestId("workspace-name")).toHaveText("OptIn Manager");
    await expect(page.getByText("Powered by OptIn Manager")).toBeVisible();
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SCREENS}/link-not-valid-390.png`, fullPage: true });

  // An expired preference link still names its workspace: the page wears its brand.
  const me = await (await request.get("/api/v1/me", { headers: auth })).json();
  const contact = await (
    await request.post("/api/v1/contacts", {
      headers: auth,
      data: { email: `expired-${randomUUID().slice(0, 8)}@example.com` },
    })
  ).json();
  const expired = tokens.sign(
    "preferences",
    { workspaceId: me.workspace.id as string, contactId: contact.id as string, channel: "email" },
    { expiresAt: new Date(Date.now() - 60_000) },
  );
  const response = await page.goto(`/preferences/${expired}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "This link is not valid" })).toBeVisible();
  await expect(page.getByTestId("workspace-name")).toHaveText(me.workspace.name as string);
});
