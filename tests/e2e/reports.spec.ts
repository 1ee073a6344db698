import { readFile } from "node:fs/promises";
import { expect, expectAccessible, test } from "./fixtures";
import { signIn } from "./helpers";

test("the dashboard downloads as a PDF, and a weekly scheduled report is created and listed with its next send", async ({
  page,
}) => {
  await signIn(page);
  await expect(page.getByTestId("analytics-dashboard")).toBeVisible();

  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download the dashboard as PDF" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^analytics-.+\.pdf$/);
  const bytes = await readFile((await download.path())!);
  expect(bytes.subarray(0, 4).toString("latin1")).toBe("%PDF");
  await download.saveAs("test-results/screens/dashboard-report.pdf");

  // "Schedule this report" opens the form on the Reports page.
  await page.getByRole("link", { name: "Schedule this report" }).click();
  await expect(page).toHaveURL(/\/reports\?new=dashboard/);
  const dialog = page.getByRole("dialog", { name: "New scheduled report" });
  await expect(dialog).toBeVisible();
  const name = `Weekly numbers ${Date.now()}`;
  await dialog.getByLabel("Name").fill(name);
  await expect(dialog.getByTestId("schedule-preview")).toContainText("Next sends:");
  await dialog.getByRole("checkbox").first().check();
  await dialog.screenshot({ path: "test-results/screens/reports-schedule-dialog.png" });
  await dialog.getByRole("button", { name: "Create schedule" }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("Weekly (Mondays 08:00)");
  await expect(row.getByTestId("next-send")).not.toHaveText("—");
  await expect(row.getByRole("switch", { name: `Send ${name}` })).toBeChecked();
  await page.screenshot({ path: "test-results/screens/reports-list.png", fullPage: true });
  await expectAccessible(page);

  // Pause, then delete with confirmation.
  await row.getByRole("switch", { name: `Send ${name}` }).click();
  await expect(row.getByTestId("next-send")).toHaveText("—");
  await row.getByRole("button", { name: `Delete ${name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("row").filter({ hasText: name })).toHaveCount(0);
});
