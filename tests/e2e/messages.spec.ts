import { expect, expectAccessible, test } from "./fixtures";
import type { APIRequestContext } from "@playwright/test";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

async function createContact(request: APIRequestContext, body: Record<string, unknown>): Promise<string> {
  const res = await request.post("/api/v1/contacts", { headers: KEY, data: body });
  expect(res.status()).toBe(200);
  return (await res.json()).id;
}

async function send(
  request: APIRequestContext,
  body: Record<string, unknown>,
): Promise<{ messageId: string; status: string; reason?: string }> {
  const res = await request.post("/api/v1/messages/send_with_consent", { headers: KEY, data: body });
  expect(res.status(), await res.text()).toBe(200);
  return res.json();
}

/** Waits until the log transport has recorded the message (delivery runs after the send commits). */
async function waitForStatus(request: APIRequestContext, id: string, status: string) {
  await expect
    .poll(async () => (await (await request.get(`/api/v1/messages/${id}`, { headers: KEY })).json()).status, {
      timeout: 20_000,
    })
    .toBe(status);
}

/**
 * How many messages the workspace holds already: specs that ran before this one left double
 * opt-in confirmations and invitations in the history (they go through the pipeline like sends).
 */
async function existingMessages(request: APIRequestContext, channel?: "email" | "sms"): Promise<number> {
  const res = await request.get(`/api/v1/messages?limit=100${channel ? `&channel=${channel}` : ""}`, { headers: KEY });
  expect(res.status()).toBe(200);
  const page = await res.json();
  expect(page.nextCursor).toBeNull();
  return page.items.length;
}

/**
 * A consented contact gets a newsletter email and an account SMS through the public send API
 * (log transport: nothing leaves the machine); an unconsented one is blocked. The admin then
 * filters the history, reads one message's timeline and consent proof, and views the outbox.
 */
test("message history, one message's timeline and consent proof, and the log transport's outbox", async ({
  page,
  request,
}) => {
  const earlier = await existingMessages(request);
  const earlierEmails = await existingMessages(request, "email");
  const mayaId = await createContact(request, {
    email: "maya.patel@example.com",
    phone: "+1 212 555 0199",
    firstName: "Maya",
    lastName: "Patel",
  });
  const consent = await request.post(`/api/v1/contacts/${mayaId}/consent`, {
    headers: KEY,
    data: {
      channel: "email",
      topic: "newsletter",
      status: "opted_in",
      source: "form",
      evidence: {
        ip: "203.0.113.7",
        text: "Yes, send me the newsletter. Unsubscribe any time.",
        formVersion: "footer@v2",
      },
    },
  });
  expect(consent.status()).toBe(200);
  const noahId = await createContact(request, { email: "noah.kim@example.com", firstName: "Noah", lastName: "Kim" });

  const email = await send(request, {
    contactId: mayaId,
    channel: "email",
    topic: "newsletter",
    content: {
      subject: "Our spring collection is here",
      text: "Hi Maya,\n\nOur spring collection has arrived: linen shirts, light jackets and new colours.\n\nSee you soon!",
      html: '<h1 style="font-size:22px">Our spring collection is here</h1><p>Hi Maya,</p><p>Linen shirts, light jackets and new colours have arrived.</p><p><a href="https://shop.example.com/spring">Shop the collection</a></p>',
    },
  });
  expect(email.status).not.toBe("blocked");
  const sms = await send(request, {
    contactId: mayaId,
    channel: "sms",
    topic: "account-notices",
    kind: "transactional",
    content: { text: "Your order #4821 has shipped and arrives Thursday. Track it at https://shop.example.com/t/4821" },
  });
  expect(sms.status).not.toBe("blocked");
  const blocked = await send(request, {
    contactId: noahId,
    channel: "email",
    topic: "newsletter",
    content: { subject: "Spring", text: "Hello" },
  });
  expect(blocked).toMatchObject({ status: "blocked", reason: "no_consent" });
  await waitForStatus(request, email.messageId, "sent");
  await waitForStatus(request, sms.messageId, "sent");

  // The REST read routes answer the contract.
  const listed = await (await request.get(`/api/v1/messages?contactId=${mayaId}`, { headers: KEY })).json();
  expect(listed.items.map((m: { id: string }) => m.id)).toEqual([sms.messageId, email.messageId]);

  await signIn(page);
  await page.getByRole("link", { name: "Messages" }).first().click();
  await expect(page).toHaveURL(/\/messages$/);
  await expect(page.getByRole("heading", { name: "Messages", level: 1 })).toBeVisible();
  await expect(page.getByTestId("message-row")).toHaveCount(earlier + 3);
  await expect(page.getByTestId("message-total")).toContainText(String(earlier + 3));
  // Newest first: the blocked send was the last one.
  await expect(page.getByTestId("message-row").nth(0)).toContainText("noah.kim@example.com");
  await expect(page.getByTestId("message-row").nth(1)).toContainText("Your order #4821 has shipped");
  await expect(page.getByTestId("message-row").nth(2)).toContainText("Our spring collection is here");

  // Status chips filter and show counts.
  await page.locator('[data-testid="status-chip"][data-status="blocked"]').click();
  await expect(page.getByTestId("message-row")).toHaveCount(1);
  await expect(page.getByTestId("message-row")).toContainText("No consent");
  await page.locator('[data-testid="status-chip"][data-status="all"]').click();
  await expect(page.getByTestId("message-row")).toHaveCount(earlier + 3);

  // Exact recipient search, in another format than stored.
  await page.getByPlaceholder("Recipient: exact email or phone").fill("(212) 555-0199");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByTestId("message-row")).toHaveCount(1);
  await expect(page.getByTestId("message-row")).toContainText("Your order #4821");
  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await expect(page.getByTestId("message-row")).toHaveCount(earlier + 3);

  // Channel filter.
  await page.getByRole("combobox", { name: "Channel" }).click();
  await page.getByRole("option", { name: "Email" }).click();
  await expect(page.getByTestId("message-row")).toHaveCount(earlierEmails + 2);
  await expect(page).toHaveURL(/channel=email/);

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: "test-results/screens/messages-1280.png", fullPage: true });

  // One message: timeline, consent proof, preview.
  await page.getByRole("link", { name: "Our spring collection is here" }).click();
  await expect(page).toHaveURL(new RegExp(`/messages/${email.messageId}$`));
  await expect(page.getByTestId("message-title")).toHaveText("Our spring collection is here");
  const steps = page.getByTestId("timeline-step");
  await expect(steps.first()).toContainText("Consent checked");
  await expect(page.locator('[data-testid="timeline-step"][data-status="sent"]')).toBeVisible();
  await expect(page.getByTestId("decision-outcome")).toHaveText("Allowed to send");
  await expect(page.getByTestId("consent-event")).toContainText("Signup form");
  await expect(page.getByTestId("consent-event")).toContainText("Yes, send me the newsletter.");
  await expect(page.getByTestId("email-subject")).toHaveText("Our spring collection is here");
  await expect(
    page.frameLocator('[data-testid="email-frame"]').getByRole("heading", { name: "Our spring collection is here" }),
  ).toBeVisible();
  await expect(page.locator('[data-testid="email-header"][data-header="List-Unsubscribe"]')).toContainText("/u/");
  await expect(page.getByRole("button", { name: "Resend" })).toBeVisible();
  // Resending asks first, naming the channel and recipient; cancelling sends nothing.
  const sentUrl = page.url();
  await page.getByRole("button", { name: "Resend" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("Send this message again?");
  await expect(confirm).toContainText(/new email to \S+@\S+ now/);
  await expect(confirm).toContainText("recorded as blocked");
  await expectAccessible(page);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toHaveCount(0);
  expect(page.url()).toBe(sentUrl);
  await page.screenshot({ path: "test-results/screens/message-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screens/message-390.png", fullPage: true });

  // The blocked message explains itself.
  await page.goto(`/messages/${blocked.messageId}`);
  await expect(page.getByTestId("blocked-alert")).toContainText("Not sent: No consent");
  await expect(page.getByTestId("decision-outcome")).toHaveText("Blocked: No consent");
  await expect(page.getByText("Message not sent")).toBeVisible();
  await expect(page.getByText("Message as sent")).toHaveCount(0);
  await expect(page.getByText("(no subject)")).toHaveCount(0);
  await page.screenshot({ path: "test-results/screens/message-blocked.png", fullPage: true });

  await page.goto("/messages");
  await expect(page.getByTestId("message-row")).toHaveCount(earlier + 3);
  await page.screenshot({ path: "test-results/screens/messages-390.png", fullPage: true });

  // The outbox shows what the log transport recorded, as recipients see it.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto("/messages/outbox");
  // This spec's two sends; confirmations and invitations of earlier specs are there too.
  await expect(page.locator('[data-testid="outbox-item"][data-purpose="send"]')).toHaveCount(2);
  const outboxEmail = page.locator('[data-testid="outbox-item"][data-channel="email"][data-purpose="send"]');
  await expect(outboxEmail.getByTestId("email-to")).toHaveText("maya.patel@example.com");
  await expect(outboxEmail.locator('[data-header="List-Unsubscribe"]')).toContainText("/u/");
  await expect(outboxEmail.frameLocator('[data-testid="email-frame"]').getByText("Linen shirts")).toBeVisible();
  const outboxSms = page.locator('[data-testid="outbox-item"][data-channel="sms"][data-purpose="send"]');
  await expect(outboxSms.getByTestId("sms-text")).toContainText("Your order #4821 has shipped");
  await expect(outboxSms.getByTestId("sms-preview")).toContainText("segment");
  await page.screenshot({ path: "test-results/screens/outbox-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screens/outbox-390.png", fullPage: true });

  // The contact page lists the contact's messages.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/contacts/${mayaId}`);
  await expect(page.getByTestId("contact-message")).toHaveCount(2);
  await expect(page.getByTestId("contact-message").first()).toContainText("Your order #4821");
  await page.screenshot({ path: "test-results/screens/contact-with-messages-1280.png", fullPage: true });
  await page.getByRole("link", { name: /View all/ }).click();
  await expect(page).toHaveURL(new RegExp(`/messages\\?contactId=${mayaId}`));
  await expect(page.getByTestId("message-row")).toHaveCount(2);
  await page.screenshot({ path: "test-results/screens/contact-messages-1280.png", fullPage: true });
});
