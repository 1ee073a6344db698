import { expect, test } from "./fixtures";
import type { Locator, Page } from "@playwright/test";
import { E2E_ADMIN, E2E_ADMIN_API_KEY, signIn } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

async function choose(page: Page, within: Locator | Page, control: string, option: string | RegExp) {
  await within.getByRole("combobox", { name: control, exact: true }).click();
  await page.getByRole("option", { name: option }).first().click();
}

test("an SMS campaign to a segment: segment counter, dry run blocked by reason", async ({ page, request }) => {
  test.setTimeout(180_000);
  const run = `${Date.now()}`;
  const tag = `camp-${run}`;
  // Two contacts with phones in the segment; neither opted in to promotions: the dry run blocks them.
  for (const [i, phone] of ["+14155550181", "+14155550182"].entries()) {
    const res = await request.post("/api/v1/contacts", {
      headers: KEY,
      data: { firstName: `Camp${i}`, phone, tags: [tag] },
    });
    expect(res.status()).toBe(200);
  }
  const segment = await request.post("/api/v1/segments", {
    headers: KEY,
    data: { name: `Campaign audience ${run}`, filter: { all: [{ field: "tags", op: "contains", value: tag }] } },
  });
  expect(segment.status()).toBe(200);

  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.getByRole("link", { name: "Campaigns" }).first().click();
  await expect(page).toHaveURL(/\/campaigns$/);
  await expect(page.getByRole("heading", { name: "Campaigns", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "New campaign" }).first().click();
  await expect(page).toHaveURL(/\/campaigns\/new$/);

  await page.getByRole("textbox", { name: "Name", exact: true }).fill(`Flash sale ${run}`);
  await choose(page, page, "Channel", "SMS");
  await choose(page, page, "Topic", /Promotions/);
  await choose(page, page, "Segment", new RegExp(`Campaign audience ${run}`));

  await page.getByRole("tab", { name: "2. Content" }).click();
  await page.getByRole("textbox", { name: "Message" }).fill("Flash sale today: 20% off everything.");
  const counter = page.getByTestId("sms-counter");
  await expect(counter).toContainText("GSM-7");
  await expect(counter).toContainText("1 segment");
  await page.getByRole("textbox", { name: "Message" }).fill("Flash sale today: 20% off everything 🎉");
  await expect(counter).toContainText("UCS-2");

  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(/\/campaigns\/[0-9a-f-]{36}$/);

  await page.getByRole("tab", { name: "4. Review" }).click();
  await expect(page.getByText(/Run one just before you schedule/)).toBeVisible();
  await page.getByRole("button", { name: "Run dry run" }).click();
  const table = page.getByTestId("dry-run");
  await expect(table.getByRole("row", { name: /Audience/ })).toContainText("2");
  await expect(table.getByRole("row", { name: /Sendable/ })).toContainText("0");
  await expect(table.getByRole("row", { name: /Blocked: No consent/ })).toContainText("2");
  // No one sendable: the estimate is zero, and there is no country to break it down by.
  await expect(table.getByRole("row", { name: /Estimated cost/ })).toContainText("0.00 USD");
  await expect(page.getByText("No sendable recipients: nothing to price.")).toBeVisible();
  // A draft goes on to scheduling; nothing is sent from the review itself.
  await expect(page.getByRole("tab", { name: "5. Schedule" })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Send/ })).toHaveCount(0);
});

test("test-send an email campaign to the admin's own address", async ({ page }) => {
  test.setTimeout(120_000);
  const run = `${Date.now()}`;
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.goto("/campaigns/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(`Newsletter test ${run}`);
  await choose(page, page, "Topic", /Newsletter/);
  await page.getByRole("tab", { name: "2. Content" }).click();
  await page.getByRole("textbox", { name: "Subject" }).fill("Our June news");
  await page
    .getByRole("textbox", { name: "Plain-text version" })
    .fill("Hello {{ contact.first_name }}, here is our news.");
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(/\/campaigns\/[0-9a-f-]{36}$/);

  await page.getByRole("tab", { name: "3. Test" }).click();
  await page.getByRole("textbox", { name: "Send to" }).fill(E2E_ADMIN.email);
  await page.getByRole("button", { name: "Send test" }).click();
  const results = page.getByTestId("test-send-results");
  await expect(results).toContainText(E2E_ADMIN.email);
  await expect(results).toContainText("Member");
  await expect(results).toContainText("Queued");

  await page.getByRole("link", { name: "Campaigns" }).first().click();
  await expect(page.getByTestId("campaign-row").filter({ hasText: `Newsletter test ${run}` })).toContainText("Draft");
});
