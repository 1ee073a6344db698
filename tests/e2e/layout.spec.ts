import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

/** The page scrolls vertically only: nothing is wider than the window. */
async function expectNoHorizontalScroll(page: Page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth, `page is ${scrollWidth}px wide in a ${clientWidth}px window`).toBeLessThanOrEqual(clientWidth);
}

test("the audit log fits from 1280 px down to a tablet, with its filters named and Verify in view", async ({
  page,
  request,
}) => {
  // An entry with a long target and actor, so the table has something wide to fit.
  const res = await request.post("/api/v1/contacts", {
    headers: KEY,
    data: { email: `layout.${Date.now()}.a-rather-long-address-for-the-audit-table@example.com` },
  });
  expect(res.status()).toBe(200);

  await signIn(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/settings/audit");
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
  await expectNoHorizontalScroll(page);
  await expect(page.getByRole("button", { name: "Verify chain" })).toBeInViewport();
  await page.screenshot({ path: "test-results/screens/audit-1280.png", fullPage: true });

  // The filter dropdowns have names, and so do their open lists.
  await expect(page.getByRole("combobox", { name: "Actor type" })).toBeVisible();
  await page.getByRole("combobox", { name: "Action", exact: true }).click();
  await expect(page.getByRole("listbox", { name: "Action", exact: true })).toBeVisible();
  await page.keyboard.press("Escape");
  await page.getByRole("combobox", { name: "Actor type" }).click();
  await expect(page.getByRole("listbox", { name: "Actor type" })).toBeVisible();
  await page.keyboard.press("Escape");

  // The sidebar is the window's height and stays in view at the bottom of a long page.
  const sidebar = page.getByRole("navigation", { name: "Main" });
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await expect(sidebar).toBeInViewport();
  const box = (await page.locator("aside").first().boundingBox())!;
  expect(Math.abs(box.y)).toBeLessThan(1);
  expect(Math.abs(box.height - 800)).toBeLessThan(1);

  // A row opened to its details still fits.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.getByTestId("audit-row").first().getByRole("button", { name: "Show details" }).click();
  await expectNoHorizontalScroll(page);

  await page.setViewportSize({ width: 1024, height: 800 });
  await expectNoHorizontalScroll(page);
  await page.setViewportSize({ width: 768, height: 1024 });
  await expectNoHorizontalScroll(page);
  await expect(page.getByRole("button", { name: "Verify chain" })).toBeInViewport();
  await page.screenshot({ path: "test-results/screens/audit-768.png", fullPage: true });
});

test("the import mapping step fits at 1280 px, its column choices in the shared select", async ({ page }) => {
  const headers = Array.from({ length: 14 }, (_, i) => `A rather long column heading number ${i + 1}`);
  const csv = [
    ["Email", "First name", ...headers].join(","),
    ["wide.file@example.com", "Wide", ...headers.map((_, i) => `a long cell value to fill column ${i + 1}`)].join(","),
  ].join("\n");

  await signIn(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/contacts/import");
  await page.getByLabel("CSV file").setInputFiles({ name: "wide.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await expect(page.getByTestId("import-preview")).toContainText("wide.file@example.com");
  await expectNoHorizontalScroll(page);

  const email = page.getByRole("combobox", { name: "Email", exact: true });
  await expect(email).toHaveText("Email");
  await page.getByRole("combobox", { name: "Last name", exact: true }).click();
  await page.getByRole("option", { name: headers[0]!, exact: true }).click();
  await expect(page.getByRole("combobox", { name: "Last name", exact: true })).toHaveText(headers[0]!);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: "test-results/screens/import-mapping-wide-1280.png", fullPage: true });
});

test("the message filters stand apart", async ({ page }) => {
  await signIn(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/messages");
  await page.waitForLoadState("networkidle");
  // Measured once the page has settled (fonts and hydrated selects can still move the row).
  await expect
    .poll(async () => {
      const channel = await page.getByRole("combobox", { name: "Channel" }).boundingBox();
      const topic = await page.getByRole("combobox", { name: "Topic" }).boundingBox();
      return channel && topic ? topic.x - (channel.x + channel.width) : -1;
    })
    .toBeGreaterThanOrEqual(12);
  await expectNoHorizontalScroll(page);
});
