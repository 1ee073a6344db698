import { expect, expectAccessible, test } from "./fixtures";
import type { APIRequestContext, Locator, Page } from "@playwright/test";
import { E2E_ADMIN_API_KEY, signIn } from "./helpers";

/**
 * Sending campaigns from the editor: a dry run, "Send now", the Progress tab following the run
 * to Completed (the in-process runner and the log transport deliver it), the recipients table;
 * then a campaign at a local time that is paused, resumed and cancelled. Named to run after the
 * other campaign specs: it sends to every contact with consent to its own topic.
 */

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

async function choose(page: Page, within: Locator | Page, control: string, option: string | RegExp) {
  await within.getByRole("combobox", { name: control, exact: true }).click();
  await page.getByRole("option", { name: option }).first().click();
}

/** A marketing topic of its own and one contact opted in to it: the only sendable recipient. */
async function topicWithOneContact(request: APIRequestContext, stamp: string) {
  const topic = await request.post("/api/v1/topics", {
    headers: KEY,
    data: { key: `launch-${stamp}`, name: `Launch news ${stamp}`, channels: ["email"], kind: "marketing" },
  });
  expect(topic.status()).toBe(200);
  const email = `sam.rivera.${stamp}@example.com`;
  const created = await request.post("/api/v1/contacts", {
    headers: KEY,
    data: { email, firstName: "Sam", lastName: `Rivera${stamp}` },
  });
  expect(created.status()).toBe(200);
  const contactId: string = (await created.json()).id;
  const consent = await request.post(`/api/v1/contacts/${contactId}/consent`, {
    headers: KEY,
    data: {
      channel: "email",
      topic: `launch-${stamp}`,
      status: "opted_in",
      source: "form",
      evidence: { ip: "198.51.100.9", text: "Tell me about the launch." },
    },
  });
  expect(consent.status()).toBe(200);
  return { topicName: `Launch news ${stamp}`, email, name: `Sam Rivera${stamp}` };
}

/** A new email draft to everyone with an address, on the given topic. */
async function createDraft(page: Page, name: string, topicName: string) {
  await page.goto("/campaigns/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await choose(page, page, "Topic", new RegExp(topicName));
  await page.getByRole("tab", { name: "2. Content" }).click();
  await page.getByRole("textbox", { name: "Subject" }).fill("We launched");
  await page.getByRole("textbox", { name: "Preheader" }).fill("Everything you asked about, in one place");
  // The body is written in the rich-text (TipTap) editor; the plain-text part is made from it.
  const body = page.getByRole("textbox", { name: "Email body" });
  await body.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("Hello {{ contact.first_name }}, it is live.");
  await expect(page.getByText("Hello Sam, it is live.").or(page.getByText("it is live.").first())).toBeVisible();
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(/\/campaigns\/[0-9a-f-]{36}$/);
}

test("send an email campaign now: dry run, confirm, progress to Completed, recipients filtered by outcome", async ({
  page,
  request,
}) => {
  test.setTimeout(300_000);
  const stamp = `${Date.now()}`;
  const { topicName, email, name } = await topicWithOneContact(request, stamp);
  const campaignName = `Launch ${stamp}`;

  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await createDraft(page, campaignName, topicName);

  await page.getByRole("tab", { name: "4. Review" }).click();
  await page.getByRole("button", { name: "Run dry run" }).click();
  const dryRun = page.getByTestId("dry-run");
  await expect(dryRun.getByRole("row", { name: /Sendable/ }).getByRole("cell")).toHaveText("1");

  await page.getByRole("button", { name: "Continue to scheduling" }).click();
  await expect(page.getByRole("tab", { name: "5. Schedule" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByTestId("schedule-dry-run")).toContainText("Sendable");
  await expect(page.getByRole("radio", { name: "Send now" })).toBeChecked();
  await page.screenshot({ path: "test-results/screens/campaign-schedule-1280.png", fullPage: true });

  await page.getByRole("button", { name: "Send now" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("found 1 contact");
  await confirm.getByRole("button", { name: "Send to 1" }).click();

  await expect(page.getByRole("tab", { name: "Progress" })).toHaveAttribute("aria-selected", "true");
  const status = page.getByTestId("campaign-progress-status");
  await expect(status).toHaveText("Completed", { timeout: 120_000 });
  await expect(page.getByTestId("campaign-progress-text")).toContainText("1 of 1 sendable");
  await expect(page.getByRole("progressbar", { name: "Sending progress" })).toHaveAttribute("aria-valuenow", "1");
  await expect(page.getByTestId("campaign-counters")).toContainText("Sent");
  await expect(page.getByTestId("campaign-run-row")).toHaveCount(1);

  const recipients = page.getByTestId("campaign-recipients");
  await choose(page, recipients, "Outcome", /^Sent$/);
  const row = recipients.getByTestId("campaign-recipient-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(name);
  await expect(row).toContainText(email);
  await expect(row).toContainText("Sent");
  await expect(recipients.getByRole("link", { name: "Export CSV" })).toHaveAttribute("href", /outcome=sent/);
  await page.screenshot({ path: "test-results/screens/campaign-progress-1280.png", fullPage: true });

  await page.getByRole("link", { name: "View messages" }).click();
  await expect(page).toHaveURL(/\/messages\?campaignId=[0-9a-f-]{36}/);
  await expect(page.getByTestId("campaign-filter")).toContainText(campaignName);
  await expect(page.getByTestId("message-row")).toHaveCount(1);

  await page.goto("/campaigns");
  const listed = page.getByTestId("campaign-row").filter({ hasText: campaignName });
  await expect(listed).toContainText("Completed");
  await expect(listed.getByTestId("campaign-reach")).toHaveText(/^1 \/ [\d,]+ sent$/);
});

test("schedule at a local time, then pause, resume and cancel", async ({ page, request }) => {
  test.setTimeout(240_000);
  const stamp = `${Date.now()}`;
  const { topicName } = await topicWithOneContact(request, stamp);
  // Two days ahead: a run at a local time starts when the earliest zone (UTC+14) gets there, which
  // for tomorrow is already today after 20:00 UTC; the day after keeps the campaign "Scheduled".
  const date = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);

  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await createDraft(page, `Local launch ${stamp}`, topicName);

  await page.getByRole("tab", { name: "5. Schedule" }).click();
  await page.getByRole("radio", { name: /At a local time/ }).check();
  await page.getByRole("textbox", { name: "Date", exact: true }).fill(date);
  await page.getByRole("textbox", { name: "Local time", exact: true }).fill("10:00");
  await page.getByRole("button", { name: "Schedule", exact: true }).click();

  await expect(page.getByRole("tab", { name: "Progress" })).toHaveAttribute("aria-selected", "true");
  const status = page.getByTestId("campaign-progress-status");
  await expect(status).toHaveText("Scheduled");
  await expect(page.getByTestId("campaign-schedule")).toContainText(
    `Sends at 10:00 in each recipient's time zone on ${date}`,
  );
  await page.screenshot({ path: "test-results/screens/campaign-scheduled-local-1280.png", fullPage: true });

  await page.getByRole("button", { name: "Pause" }).click();
  await expect(status).toHaveText("Paused");
  await expect(page.getByTestId("campaign-status-reason")).toContainText("Paused by a member of the workspace.");

  await page.getByRole("button", { name: "Resume" }).click();
  await expect(status).toHaveText("Scheduled");

  await page.getByRole("button", { name: "Cancel campaign" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("Messages already with the provider still arrive.");
  await confirm.getByRole("button", { name: "Cancel campaign" }).click();
  await expect(status).toHaveText("Cancelled");
  await expect(page.getByRole("button", { name: "Send to the rest" })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/campaign-cancelled-1280.png", fullPage: true });
});

test("schedule at each recipient's best hour: the window's dry run shows the hours, then it is scheduled", async ({
  page,
  request,
}) => {
  test.setTimeout(240_000);
  const stamp = `${Date.now()}`;
  const { topicName } = await topicWithOneContact(request, stamp);
  const date = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);

  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await createDraft(page, `Best hour launch ${stamp}`, topicName);

  await page.getByRole("tab", { name: "5. Schedule" }).click();
  await page.getByRole("radio", { name: /At each recipient's best hour/ }).check();
  await page.getByRole("textbox", { name: "Window starts on", exact: true }).fill(date);
  await page.getByRole("textbox", { name: "At", exact: true }).fill("09:00");
  await expect(page.getByRole("spinbutton", { name: "Window length (hours)", exact: true })).toHaveValue("24");
  await page.getByRole("button", { name: "Dry run with this window" }).click();
  const hours = page.getByTestId("dry-run-best-hours");
  // Nobody in the audience has opens or clicks here: every member takes the workspace's best hour
  // (how many members depends on the contacts earlier specs left).
  await expect(hours).toContainText(/\b0 with their own opens or clicks, [1-9]\d* on the workspace's best hour/);
  await expect(hours.getByRole("table")).toContainText("Local hour");
  await expectAccessible(page);
  await page.screenshot({ path: "test-results/screens/campaign-schedule-best-hour-1280.png", fullPage: true });

  await page.getByRole("button", { name: "Schedule", exact: true }).click();
  await expect(page.getByRole("tab", { name: "Progress" })).toHaveAttribute("aria-selected", "true");
  const status = page.getByTestId("campaign-progress-status");
  await expect(status).toHaveText("Scheduled");
  await expect(page.getByTestId("campaign-schedule")).toContainText("Sends at each recipient's best hour");

  await page.getByRole("button", { name: "Cancel campaign" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Cancel campaign" }).click();
  await expect(status).toHaveText("Cancelled");
});
