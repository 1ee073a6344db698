import { expect, test } from "./fixtures";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

/**
 * A fresh install has no email provider: every message goes through the log transport, and the
 * Outbox is where it can be read. A double opt-in sign-up is confirmed from the link in the
 * confirmation email found there; an invitation shows up next to it.
 */
test("double opt-in from a hosted form is confirmed with the link read in the Outbox, next to an invitation", async ({
  page,
  browser,
  request,
}) => {
  test.setTimeout(180_000);
  const stamp = Date.now();
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);

  // A hosted form with double opt-in on the newsletter.
  await page.goto("/forms/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(`Outbox DOI ${stamp}`);
  await page.getByRole("checkbox", { name: "Newsletter" }).check();
  await expect(page.getByRole("switch", { name: "Double opt-in" })).toHaveAttribute("aria-checked", "true");
  await page.getByRole("button", { name: "Create form" }).click();
  await expect(page).toHaveURL(/\/forms\/[0-9a-f-]{36}$/);
  const formUrl = (await page.getByRole("link", { name: "Open" }).getAttribute("href"))!;

  // A visitor signs up: pending, not consent.
  const visitor = await browser.newContext();
  const publicPage = await visitor.newPage();
  await publicPage.goto(formUrl);
  const email = `outbox-doi-${stamp}@example.com`;
  await publicPage.getByLabel("Email").fill(email);
  await publicPage.getByRole("button", { name: "Subscribe" }).click();
  await expect(publicPage.getByRole("heading", { name: "Check your email" })).toBeVisible();
  const contact = (
    await (await request.get(`/api/v1/contacts?email=${encodeURIComponent(email)}`, { headers: KEY })).json()
  ).items[0];
  const pending = await (await request.get(`/api/v1/contacts/${contact.id}/consent`, { headers: KEY })).json();
  expect(pending.states).toEqual([expect.objectContaining({ topic: "newsletter", status: "pending" })]);

  // An invitation goes through the same outbox.
  await page.goto("/settings/members");
  await page.getByRole("button", { name: "Invite member" }).click();
  const dialog = page.getByRole("dialog");
  const invitee = `invitee-${stamp}@e2e.test`;
  await dialog.getByLabel("Email").fill(invitee);
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await expect(dialog.getByText("the invitation is in the Outbox")).toBeVisible();
  const inviteUrl = (await dialog.getByTestId("invite-url").textContent())?.trim() ?? "";
  expect(inviteUrl).toContain("/invite/");
  await dialog.getByRole("button", { name: "Done" }).click();

  // The Outbox shows both, as their recipients get them.
  await page.goto("/messages/outbox");
  const confirmation = page
    .locator('[data-testid="outbox-item"][data-purpose="double_opt_in"]')
    .filter({ hasText: email });
  await expect(confirmation).toBeVisible();
  await expect(confirmation).toContainText("Double opt-in confirmation");
  await expect(confirmation.getByTestId("email-subject")).toHaveText(/^Confirm your subscription to /);
  const invitation = page
    .locator('[data-testid="outbox-item"][data-purpose="invitation"]')
    .filter({ hasText: invitee });
  await expect(invitation).toBeVisible();
  await expect(invitation).toContainText(`Email to invitee ${invitee}`);
  await expect(
    invitation.frameLocator('[data-testid="email-frame"]').getByRole("link", { name: "Accept the invitation" }),
  ).toHaveAttribute("href", inviteUrl);
  const confirmLink = confirmation
    .frameLocator('[data-testid="email-frame"]')
    .getByRole("link", { name: "Confirm my subscription" });
  await expect(confirmLink).toBeVisible();
  await confirmation.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/screens/outbox-confirmation-invitation-1280.png", fullPage: true });
  const href = (await confirmLink.getAttribute("href"))!;
  expect(href).toMatch(/\/confirm\/[A-Za-z0-9_-]{43}$/);

  // The visitor follows the link and confirms: opted in.
  await publicPage.goto(href);
  await expect(publicPage.getByRole("heading", { name: "Confirm your subscription" })).toBeVisible();
  await publicPage.getByRole("button", { name: "Confirm my subscription" }).click();
  await expect(publicPage.getByRole("heading", { name: "You're subscribed" })).toBeVisible();
  const confirmed = await (await request.get(`/api/v1/contacts/${contact.id}/consent`, { headers: KEY })).json();
  expect(confirmed.states).toEqual([expect.objectContaining({ topic: "newsletter", status: "opted_in" })]);
  await visitor.close();

  // In the message history too, with the decision that let it go out.
  await page.goto(`/messages?contactId=${contact.id}`);
  const row = page.getByTestId("message-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Double opt-in confirmation");
  await row.getByRole("link").click();
  await expect(page.getByTestId("decision-outcome")).toHaveText("Allowed to send");
  await expect(page.getByTestId("decision-checks")).toContainText("consent: not required (this message asks for it");
  await expect(page.getByTestId("consent-event")).toContainText("Opt-in awaiting confirmation · Newsletter");
  await expect(page.locator('[data-testid="timeline-step"][data-status="sent"]')).toBeVisible();
  await page.screenshot({ path: "test-results/screens/message-confirmation-1280.png", fullPage: true });
});
