import { expect, test } from "./fixtures";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

/**
 * The messaging acceptance path: a marketer builds a template with a variable and previews it, it is
 * sent to a consented contact (send_with_consent with the template), the admin sees it in the
 * Outbox and in the message timeline; the contact opens the email's unsubscribe link and
 * unsubscribes, and the next send is blocked with `opted_out`.
 */
test("template → preview → send → outbox and timeline → unsubscribe → next send blocked (opted_out)", async ({
  page,
  request,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  const stamp = Date.now();

  // A consented contact (API, with evidence).
  const created = await request.post("/api/v1/contacts", {
    headers: KEY,
    data: { email: `lena.fischer.${stamp}@example.com`, firstName: "Lena" },
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
      evidence: { ip: "198.51.100.4", text: "Send me the newsletter." },
    },
  });
  expect(consent.status()).toBe(200);

  // The template, with a declared variable, previewed live.
  await signIn(page);
  await page.goto("/templates/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(`Spring sale ${stamp}`);
  await page.getByRole("combobox", { name: "Category" }).click();
  await page.getByRole("option", { name: "Promotional" }).click();
  await page.getByRole("button", { name: "Add variable" }).click();
  const variable = page.getByTestId("variable-row").first();
  await variable.getByRole("textbox", { name: "Name" }).fill("discount");
  await variable.getByRole("textbox", { name: "Sample value" }).fill("20%");
  await page
    .getByRole("textbox", { name: "Subject", exact: true })
    .fill('{{ discount }} off for you, {{ contact.first_name | default: "there" }}');
  const body = page.getByRole("textbox", { name: "Email body (en)" });
  await body.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("Everything in the spring collection is {{ discount }} off this week.");
  await expect(page.getByTestId("preview-subject")).toHaveText("20% off for you, Alex");
  await expect(
    page
      .frameLocator('iframe[title="Email preview"]')
      .getByText("Everything in the spring collection is 20% off this week."),
  ).toBeVisible();
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page).toHaveURL(/\/templates\/[0-9a-f-]{36}$/);
  const templateId = page.url().split("/").pop()!;

  // Sent to the consented contact through the one pipeline.
  const sendBody = { contactId, channel: "email", topic: "newsletter", templateId, variables: { discount: "30%" } };
  const sent = await request.post("/api/v1/messages/send_with_consent", { headers: KEY, data: sendBody });
  expect(sent.status(), await sent.text()).toBe(200);
  const first = await sent.json();
  expect(first.status).not.toBe("blocked");
  await expect
    .poll(
      async () => (await (await request.get(`/api/v1/messages/${first.messageId}`, { headers: KEY })).json()).status,
      { timeout: 30_000 },
    )
    .toBe("sent");

  // In the Outbox, as the recipient sees it.
  await page.goto("/messages/outbox");
  const item = page
    .locator('[data-testid="outbox-item"][data-channel="email"]')
    .filter({ hasText: `lena.fischer.${stamp}@example.com` })
    .filter({ hasText: "30% off for you, Lena" });
  await expect(item).toBeVisible();
  await expect(
    item
      .frameLocator('[data-testid="email-frame"]')
      .getByText("Everything in the spring collection is 30% off this week."),
  ).toBeVisible();
  const unsubscribeHeader = (await item.locator('[data-header="List-Unsubscribe"]').textContent()) ?? "";
  const unsubscribeUrl = /<?(https?:\/\/[^>\s]+\/u\/[A-Za-z0-9_.-]+)>?/.exec(unsubscribeHeader)?.[1];
  expect(unsubscribeUrl).toBeTruthy();

  // In the message timeline, with the template version and the consent it relied on.
  await page.goto(`/messages/${first.messageId}`);
  await expect(page.getByTestId("message-title")).toHaveText("30% off for you, Lena");
  await expect(page.locator('[data-testid="timeline-step"][data-status="sent"]')).toBeVisible();
  await expect(page.getByTestId("decision-outcome")).toHaveText("Allowed to send");
  await page.screenshot({ path: "test-results/screens/send-flow-message-1280.png", fullPage: true });

  // The contact unsubscribes from the link in the email (no session needed).
  const contactPage = await page.context().browser()!.newPage();
  await contactPage.goto(unsubscribeUrl!);
  await expect(contactPage.getByRole("heading", { name: "Unsubscribe from Newsletter?" })).toBeVisible();
  await contactPage.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(contactPage.getByRole("heading", { name: "You’re unsubscribed" })).toBeVisible();
  await contactPage.close();

  // The next send is blocked, and says why.
  const again = await request.post("/api/v1/messages/send_with_consent", { headers: KEY, data: sendBody });
  expect(again.status()).toBe(200);
  expect(await again.json()).toMatchObject({ status: "blocked", reason: "opted_out" });
  await page.goto(`/messages?contactId=${contactId}`);
  await expect(page.getByTestId("message-row")).toHaveCount(2);
  await expect(page.getByTestId("message-row").first()).toContainText("Opted out");
});
