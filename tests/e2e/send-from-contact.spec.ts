import { test, expect } from "./fixtures";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

test("a marketer sends one message from a contact's page: sent with consent, blocked and explained without", async ({
  page,
  request,
}) => {
  const stamp = Date.now();
  const created = await request.post("/api/v1/contacts", {
    headers: KEY,
    data: { email: `omar.haddad.${stamp}@example.com`, phone: "+14155550188", firstName: "Omar" },
  });
  expect(created.status()).toBe(200);
  const contactId: string = (await created.json()).id;
  const consent = await request.post(`/api/v1/contacts/${contactId}/consent`, {
    headers: KEY,
    data: {
      channel: "email",
      topic: "newsletter",
      status: "opted_in",
      source: "form",
      evidence: { ip: "198.51.100.7", text: "Send me the newsletter." },
    },
  });
  expect(consent.status()).toBe(200);

  await signIn(page);
  await page.goto(`/contacts/${contactId}`);
  await page.getByRole("button", { name: "Send message" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText("This contact: opted in.")).toBeVisible();

  // Written here, previewed for this contact (the merge field filled in), then sent.
  await dialog.getByRole("tab", { name: "Write it here" }).click();
  await dialog.getByRole("button", { name: "Send email" }).click();
  await expect(dialog.getByText("Subject is required")).toBeVisible();
  await expect(dialog.getByText("Message is required")).toBeVisible();
  await dialog.getByLabel("Subject").fill(`Hello ${stamp}`);
  await dialog.getByLabel("Message").fill("Hi {{ contact.first_name }}, a note just for you.");
  await expect(dialog.frameLocator("iframe").getByText("Hi Omar, a note just for you.")).toBeVisible();
  await expect(dialog.getByText("Subject is required")).toHaveCount(0);
  await page.screenshot({ path: "test-results/screenshots/contact-send-dialog.png" });
  await dialog.getByRole("button", { name: "Send email" }).click();
  await expect(dialog.getByText("Message queued").first()).toBeVisible();
  await dialog.getByRole("link", { name: "Open the message" }).click();
  await expect(page).toHaveURL(/\/messages\/[0-9a-f-]+$/);
  await expect(page.getByText(`Hello ${stamp}`).first()).toBeVisible();

  // SMS on a marketing topic without consent: recorded as blocked, and said so.
  await page.goto(`/contacts/${contactId}`);
  await page.getByRole("button", { name: "Send message" }).click();
  await dialog.getByRole("combobox", { name: "Channel" }).click();
  await page.getByRole("option", { name: "SMS" }).click();
  await dialog.getByRole("combobox", { name: "Topic" }).click();
  await page.getByRole("option", { name: "Promotions" }).click();
  await expect(dialog.getByText("This contact: no consent: will be blocked.")).toBeVisible();
  await dialog.getByRole("tab", { name: "Write it here" }).click();
  await dialog.getByLabel("Message").fill("Flash sale today");
  await expect(dialog.getByText(/16 characters · 1 SMS segment/)).toBeVisible();
  await dialog.getByRole("button", { name: "Send text message" }).click();
  await expect(dialog.getByText("Not sent: No consent")).toBeVisible();
  await expect(dialog.getByText("This contact has not opted in to this topic on this channel.")).toBeVisible();
});
