import fs from "node:fs";
import { expect, test } from "./fixtures";
import { signIn } from "./helpers";

const CSV = [
  "Email,Mobile,First name,Consent,Consent date,Plan",
  "ann@example.com,(415) 555-2690,Ann,yes,2026-01-15T10:00:00Z,gold",
  "bob@example.com,,Bob,no,,silver",
  "not-an-email,,Broken,,,",
  "ANN@example.com,,Duplicate,yes,2026-01-16,gold",
  "=cmd|calc@example.com,,Formula,,,",
  "cleo@example.com,+44 20 7946 0958,Cleo,subscribed,2026-02-01,",
].join("\n");

test("import a CSV: preview, map, consent topics, progress, summary, rejected rows", async ({ page }) => {
  await signIn(page);
  await page.goto("/contacts/import");
  await expect(page.getByRole("heading", { name: "Import contacts" })).toBeVisible();
  await expect(page.getByText("No imports yet")).toBeVisible();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: "test-results/screens/import-empty-1280.png", fullPage: true });

  await page
    .getByLabel("CSV file")
    .setInputFiles({ name: "contacts.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
  await expect(page.getByTestId("import-preview")).toContainText("ann@example.com");

  // Suggested mapping from the header names.
  const mapped = (field: string) => page.getByRole("combobox", { name: field, exact: true });
  await expect(mapped("Email")).toHaveText("Email");
  await expect(mapped("Phone")).toHaveText("Mobile");
  await expect(mapped("First name")).toHaveText("First name");
  await expect(mapped("Consent status")).toHaveText("Consent");
  await expect(mapped("Consent date")).toHaveText("Consent date");

  await page.getByLabel(/Newsletter/).check();
  await page.getByLabel(/Promotions/).check();
  await page.screenshot({ path: "test-results/screens/import-mapping-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screens/import-mapping-390.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.getByRole("button", { name: "Start import" }).click();
  await expect(page.getByTestId("import-status-title")).toContainText("Import finished", { timeout: 30_000 });
  await expect(page.getByRole("progressbar", { name: "Import progress" })).toHaveAttribute("aria-valuenow", "100");
  const summary = page.getByTestId("import-summary");
  await expect(summary.getByText("New contacts").locator("..")).toContainText("4");
  await expect(summary.getByText("Rejected").locator("..")).toContainText("2");
  await expect(page.getByTestId("import-progress-text")).toContainText("6 of 6 rows");
  await page.screenshot({ path: "test-results/screens/import-summary-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screens/import-summary-390.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download rejected rows" }).click();
  const download = await downloadPromise;
  const report = fs.readFileSync((await download.path())!, "utf8");
  expect(report.split("\r\n")[0]).toBe("line,column,reason");
  expect(report).toContain("4,Email,email is not a valid email address");
  expect(report).toContain("5,Email,duplicate of line 2");
  expect(report).not.toContain("not-an-email");

  await expect(page.getByTestId("import-row").first()).toContainText("contacts.csv");
  await expect(page.getByTestId("import-row").first()).toContainText("completed");

  // The admin export escapes formula cells.
  const exportResponse = await page.request.get("/api/contacts/export");
  expect(exportResponse.status()).toBe(200);
  const exported = await exportResponse.text();
  expect(exported).toContain("cleo@example.com");
  expect(exported).toContain("'+442079460958");
  expect(exported).not.toMatch(/(^|,)=cmd/m);
});
