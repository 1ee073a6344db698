import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./fixtures";
import { E2E_ADMIN_API_KEY, signIn } from "./helpers";

const API_KEY = E2E_ADMIN_API_KEY;
const auth = { Authorization: `Bearer ${API_KEY}` };

test("build a form in the UI, sign up on its hosted page and in an iframe, and find the consent via the API", async ({
  page,
  browser,
  request,
}) => {
  // A marketing topic without double opt-in, so the log transport's (unreadable) link is not needed.
  const topicKey = `e2e-updates-${Date.now()}`;
  const topic = await request.post("/api/v1/topics", {
    headers: auth,
    data: { key: topicKey, name: "Weekly roast notes", channels: ["email"], kind: "marketing" },
  });
  expect(topic.status()).toBe(200);

  await signIn(page);
  await page.getByRole("link", { name: "Forms" }).first().click();
  await expect(page).toHaveURL(/\/forms$/);
  await expect(page.getByRole("heading", { name: "Forms", level: 1 })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/forms-list-empty.png", fullPage: true });

  await page
    .getByRole("link", { name: /New form|Create a form/ })
    .first()
    .click();
  await expect(page).toHaveURL(/\/forms\/new$/);
  await page.getByRole("textbox", { name: "Name", exact: true }).fill("Website footer");
  await page.getByRole("textbox", { name: "Title", exact: true }).fill("Get our weekly roast notes");
  await page.getByLabel("Ask for Last name").check();
  await page.getByRole("checkbox", { name: "Weekly roast notes" }).check();
  await page.getByRole("switch", { name: "Double opt-in" }).click();
  await expect(page.getByRole("switch", { name: "Double opt-in" })).toHaveAttribute("aria-checked", "false");
  await page
    .getByRole("textbox", { name: "Success message", exact: true })
    .fill("Thanks! Your first roast notes arrive on Friday.");
  // The live preview renders the same page the public gets.
  const preview = page.frameLocator('iframe[title="Form preview"]');
  await expect(preview.getByRole("heading", { name: "Get our weekly roast notes" })).toBeVisible();
  await expect(preview.getByText("Weekly roast notes", { exact: true })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/form-builder-new.png", fullPage: true });

  await page.getByRole("button", { name: "Create form" }).click();
  await expect(page).toHaveURL(/\/forms\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("version-history")).toContainText("v1");
  const formUrl = (await page.getByRole("link", { name: "Open" }).getAttribute("href"))!;
  expect(formUrl).toMatch(/\/f\/[A-Za-z0-9_-]+$/);
  await expect(page.getByTestId("snippet-iframe")).toContainText(`${formUrl}?embed=1`);
  await page.getByRole("tab", { name: "HTML form" }).click();
  await expect(page.getByTestId("snippet-html")).toContainText(`action="${formUrl}"`);
  await page.screenshot({ path: "test-results/screens/form-builder-saved.png", fullPage: true });

  // An edit becomes version 2.
  await page
    .getByRole("textbox", { name: "Description", exact: true })
    .fill("Tasting notes, brewing tips and the odd discount. Every Friday.");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved as version 2")).toBeVisible();
  await expect(page.getByTestId("version-history")).toContainText("Changed description");

  await page.getByRole("link", { name: "Forms" }).first().click();
  await expect(page.getByTestId("form-row").filter({ hasText: "Website footer" })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/forms-list.png", fullPage: true });

  // A stranger, in a fresh browser context, signs up on the hosted page.
  const visitor = await browser.newContext();
  const publicPage = await visitor.newPage();
  const email = `reader-${Date.now()}@example.com`;
  const response = await publicPage.goto(formUrl);
  expect(response?.status()).toBe(200);
  // The plain URL refuses framing; only the iframe snippet's `?embed=1` URL may be framed.
  expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  await expect(publicPage.getByRole("heading", { name: "Get our weekly roast notes" })).toBeVisible();
  await publicPage.setViewportSize({ width: 1280, height: 900 });
  await publicPage.screenshot({ path: "test-results/screens/hosted-form-1280.png", fullPage: true });
  await publicPage.setViewportSize({ width: 390, height: 844 });
  await publicPage.screenshot({ path: "test-results/screens/hosted-form-390.png", fullPage: true });

  await publicPage.getByRole("button", { name: "Subscribe" }).click();
  await expect(publicPage.getByText("Email is required").or(publicPage.locator("input:invalid"))).toHaveCount(1);
  await publicPage.getByLabel("Email").fill(email);
  await publicPage.getByLabel("First name").fill("Rita");
  await publicPage.getByRole("button", { name: "Subscribe" }).click();
  await expect(publicPage.getByRole("heading", { name: "You're subscribed" })).toBeVisible();
  await expect(publicPage.getByText("Your first roast notes arrive on Friday")).toBeVisible();
  await publicPage.screenshot({ path: "test-results/screens/hosted-form-done-390.png", fullPage: true });

  const found = await request.get(`/api/v1/contacts?email=${encodeURIComponent(email)}`, { headers: auth });
  const contact = (await found.json()).items[0];
  expect(contact.firstName).toBe("Rita");
  const consent = await (await request.get(`/api/v1/contacts/${contact.id}/consent`, { headers: auth })).json();
  expect(consent.states).toEqual([
    expect.objectContaining({ channel: "email", topic: topicKey, status: "opted_in", source: "form" }),
  ]);

  // Embedded in an iframe on another page: the form, its submission and the thank-you page stay inside.
  // The embedding page is served by a tiny local server at another site (127.0.0.1 vs localhost).
  const hostServer = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(
      `<html><body style="font-family:Georgia,serif;background:#f5efe6;color:#3b2f2a;padding:40px"><h2>Acme Roasters blog</h2><p>Notes from the roastery, every Friday.</p><iframe src="${new URL(formUrl, page.url()).href}?embed=1" title="Sign up" style="width:100%;max-width:480px;height:720px;border:0"></iframe></body></html>`,
    );
  });
  await new Promise<void>((resolve) => hostServer.listen(0, "127.0.0.1", resolve));
  const host = await visitor.newPage();
  await host.setViewportSize({ width: 1280, height: 900 });
  await host.goto(`http://127.0.0.1:${(hostServer.address() as AddressInfo).port}/blog/coffee`);
  const frame = host.frameLocator('iframe[title="Sign up"]');
  await expect(frame.getByRole("heading", { name: "Get our weekly roast notes" })).toBeVisible();
  await host.screenshot({ path: "test-results/screens/hosted-form-embedded.png", fullPage: true });
  const embedEmail = `embed-${Date.now()}@example.com`;
  await frame.getByLabel("Email").fill(embedEmail);
  await frame.getByRole("button", { name: "Subscribe" }).click();
  await expect(frame.getByRole("heading", { name: "You're subscribed" })).toBeVisible();
  const embedded = await (
    await request.get(`/api/v1/contacts?email=${encodeURIComponent(embedEmail)}`, { headers: auth })
  ).json();
  expect(embedded.items).toHaveLength(1);
  await visitor.close();
  await new Promise((resolve) => hostServer.close(resolve));
});

test("a double opt-in form leaves the contact pending until the email link is confirmed", async ({
  page,
  browser,
  request,
}) => {
  await signIn(page);
  await page.goto("/forms/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill("Newsletter DOI");
  await page.getByRole("checkbox", { name: "Newsletter" }).check();
  await expect(page.getByRole("switch", { name: "Double opt-in" })).toHaveAttribute("aria-checked", "true");
  await page.getByRole("button", { name: "Create form" }).click();
  await expect(page).toHaveURL(/\/forms\/[0-9a-f-]{36}$/);
  const formUrl = (await page.getByRole("link", { name: "Open" }).getAttribute("href"))!;

  const visitor = await browser.newContext();
  const publicPage = await visitor.newPage();
  await publicPage.setViewportSize({ width: 390, height: 844 });
  await publicPage.goto(formUrl);
  const email = `doi-${Date.now()}@example.com`;
  await publicPage.getByLabel("Email").fill(email);
  await publicPage.getByRole("button", { name: "Subscribe" }).click();
  await expect(publicPage.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await publicPage.screenshot({ path: "test-results/screens/hosted-form-check-email-390.png", fullPage: true });

  const contact = (
    await (await request.get(`/api/v1/contacts?email=${encodeURIComponent(email)}`, { headers: auth })).json()
  ).items[0];
  const consent = await (await request.get(`/api/v1/contacts/${contact.id}/consent`, { headers: auth })).json();
  expect(consent.states).toEqual([expect.objectContaining({ topic: "newsletter", status: "pending" })]);

  // A forged submission (no form token, from another site) records nothing.
  const forged = await request.post(formUrl, {
    form: { email: `forged-${Date.now()}@example.com` },
    headers: { Origin: "https://evil.example" },
  });
  expect(forged.status()).toBe(403);
  await visitor.close();
});

test("an SMS double opt-in form continues on the code page, which counts wrong codes", async ({ page, browser }) => {
  await signIn(page);
  await page.goto("/forms/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill("Text deals");
  await page.getByRole("textbox", { name: "Title", exact: true }).fill("Get deals by text");
  await page.getByLabel("Ask for Email").uncheck();
  await page.getByLabel("Ask for Mobile phone").check();
  await page.getByRole("checkbox", { name: "Promotions" }).check();
  await page.getByRole("button", { name: "Create form" }).click();
  await expect(page).toHaveURL(/\/forms\/[0-9a-f-]{36}$/);
  const formUrl = (await page.getByRole("link", { name: "Open" }).getAttribute("href"))!;

  const visitor = await browser.newContext();
  const publicPage = await visitor.newPage();
  await publicPage.setViewportSize({ width: 390, height: 844 });
  await publicPage.goto(formUrl);
  await publicPage.getByLabel("Mobile phone").fill("(415) 555-0142");
  await publicPage.getByRole("button", { name: "Subscribe" }).click();
  await expect(publicPage).toHaveURL(/\/confirm\/code\/[0-9a-f-]{36}$/);
  await expect(publicPage.getByRole("heading", { name: "Enter your code" })).toBeVisible();
  await expect(publicPage.getByText("+1 ••• ••• 0142")).toBeVisible();
  await publicPage.screenshot({ path: "test-results/screens/confirm-code-390.png", fullPage: true });
  await publicPage.getByLabel("Confirmation code").fill("000000");
  await publicPage.getByRole("button", { name: "Confirm" }).click();
  await expect(publicPage.getByText(/That code is not right\. 4 tries left\./)).toBeVisible();
  await publicPage.screenshot({ path: "test-results/screens/confirm-code-wrong-390.png", fullPage: true });
  await visitor.close();
});
