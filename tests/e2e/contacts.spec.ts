import { expect, test } from "./fixtures";
import type { APIRequestContext } from "@playwright/test";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

/** A few contacts with consent through the REST API, so the list looks like a real workspace. */
async function seedContacts(request: APIRequestContext) {
  const people = [
    {
      firstName: "Ava",
      lastName: "Thompson",
      email: "ava.thompson@example.com",
      phone: "+1 212 555 0148",
      tags: ["customer", "vip"],
      newsletter: "in",
      sms: "in",
    },
    {
      firstName: "Lukas",
      lastName: "Müller",
      email: "lukas.mueller@example.net",
      phone: "+49 151 23456789",
      tags: ["trial"],
      newsletter: "in",
    },
    {
      firstName: "Chloé",
      lastName: "Dubois",
      email: "chloe.dubois@example.org",
      tags: ["customer"],
      newsletter: "out",
    },
    {
      firstName: "Oliver",
      lastName: "Wright",
      email: "oliver.wright@example.com",
      phone: "+44 7911 123456",
      tags: ["wholesale"],
      sms: "out",
    },
    { firstName: "Mia", lastName: "Nguyen", email: "mia.nguyen@example.com", tags: [] },
    { firstName: "Jack", lastName: "Kelly", phone: "+61 412 345 678", tags: ["loyalty"], sms: "in" },
  ];
  for (const person of people) {
    const { newsletter, sms, ...body } = person;
    const res = await request.post("/api/v1/contacts", { headers: KEY, data: body });
    expect(res.status()).toBe(200);
    const { id } = await res.json();
    const evidence = {
      ip: "203.0.113.7",
      text: "Yes, send me the newsletter. Unsubscribe any time.",
      formVersion: "footer@v2",
    };
    if (newsletter) {
      await request.post(`/api/v1/contacts/${id}/consent`, {
        headers: KEY,
        data: { channel: "email", topic: "newsletter", status: "opted_in", source: "form", evidence },
      });
      if (newsletter === "out")
        await request.post(`/api/v1/contacts/${id}/consent`, {
          headers: KEY,
          data: { channel: "email", topic: "newsletter", status: "opted_out", source: "one_click" },
        });
    }
    if (sms) {
      await request.post(`/api/v1/contacts/${id}/consent`, {
        headers: KEY,
        data: {
          channel: "sms",
          topic: "promotions",
          status: "opted_in",
          source: "sms_keyword",
          evidence: { providerMessageId: "SM0123456789abcdef0123456789abcdef" },
        },
      });
      if (sms === "out")
        await request.post(`/api/v1/contacts/${id}/consent`, {
          headers: KEY,
          data: { channel: "sms", status: "opted_out", source: "sms_keyword" },
        });
    }
  }
}

test("create a contact in the UI, record an admin opt-in with a note, and see the state and the history", async ({
  page,
  request,
}) => {
  await seedContacts(request);
  await signIn(page);

  await page.getByRole("link", { name: "Contacts" }).first().click();
  await expect(page).toHaveURL(/\/contacts$/);
  await expect(page.getByTestId("contact-row")).toHaveCount(6);
  const search = page.getByRole("searchbox", { name: "Find a contact by name, email or phone" });
  await expect(search).toBeVisible();

  // Exact search by phone in another format.
  await search.fill("(212) 555-0148");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByTestId("contact-row")).toHaveCount(1);
  await expect(page.getByTestId("contact-row")).toContainText("Ava Thompson");
  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await expect(page.getByTestId("contact-row")).toHaveCount(6);

  await page.getByRole("button", { name: "New contact" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("First name").fill("Grace");
  await dialog.getByLabel("Last name").fill("Hopper");
  await dialog.getByLabel("Email").fill("grace.hopper@example.com");
  await dialog.getByLabel("Phone").fill("(415) 555-2671");
  await dialog.getByLabel("Tags").fill("customer, vip");
  await dialog.getByRole("button", { name: "Create contact" }).click();

  await expect(page).toHaveURL(/\/contacts\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "Grace Hopper" })).toBeVisible();
  await expect(page.getByTestId("contact-profile")).toContainText("+1 415 555 2671");
  const newsletter = page.locator('[data-testid="consent-cell"][data-topic="newsletter"][data-channel="email"]');
  await expect(newsletter).toContainText("No consent");
  await expect(page.getByText("No messages yet")).toBeVisible();

  await page.getByRole("button", { name: "Record opt-in" }).click();
  const consent = page.getByRole("dialog");
  await expect(consent.getByRole("heading", { name: "Record an opt-in" })).toBeVisible();
  // Without a note it is refused.
  await consent.getByRole("button", { name: "Record opt-in" }).click();
  await expect(consent.getByRole("alert")).toContainText("Describe how the person gave consent");
  await consent.getByRole("combobox", { name: "Topic" }).click();
  await page.getByRole("option", { name: "Newsletter" }).click();
  const note = "Customer asked by phone on 3 March, ticket #4821";
  await consent.getByLabel(/Evidence/).fill(note);
  await consent.getByRole("button", { name: "Record opt-in" }).click();
  await expect(consent).toBeHidden();

  await expect(newsletter).toContainText("Opted in");
  await expect(newsletter).toContainText("Admin");
  const entry = page.getByTestId("consent-history-entry").first();
  await expect(entry).toContainText("Opted in");
  await expect(entry).toContainText("Newsletter");
  await expect(entry.getByTestId("consent-note")).toHaveText(note);
  await expect(page.getByTestId("activity-timeline")).toContainText("Contact created");

  await expect(page.getByText("Opt-in recorded")).toBeHidden({ timeout: 15_000 });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: "test-results/screens/contact-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screens/contact-390.png", fullPage: true });

  await page.goto("/contacts");
  await expect(page.getByTestId("contact-row")).toHaveCount(7);
  await expect(page.getByTestId("contact-row").first()).toContainText("Grace Hopper");
  await page.screenshot({ path: "test-results/screens/contacts-390.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: "test-results/screens/contacts-1280.png", fullPage: true });

  await page.goto("/settings/topics");
  await expect(page.getByTestId("topic-row")).toHaveCount(3);
  await page.screenshot({ path: "test-results/screens/topics-1280.png", fullPage: true });
});
