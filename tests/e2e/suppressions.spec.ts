import { expect, expectAccessible, test } from "./fixtures";
import { signIn } from "./helpers";

test("add a suppression with a note, find it by address, and remove it after confirming", async ({ page }) => {
  const address = `supp-${Date.now()}@example.com`;
  await signIn(page);
  await page.goto("/settings/suppressions");
  await expect(page.getByRole("link", { name: "Suppressions", exact: true })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("heading", { name: "Suppression list" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Opt-out report" })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole("button", { name: "Add suppression" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a suppression" });
  await dialog.getByLabel("Address").fill("not-an-address@");
  await dialog.getByRole("button", { name: "Add suppression" }).click();
  await expect(dialog.getByText(/address/i).last()).toBeVisible();
  await expect(dialog.getByLabel("Address")).toHaveAttribute("aria-invalid", "true");

  await dialog.getByLabel("Address").fill(address);
  await dialog.getByLabel("Note").fill("Asked us by phone");
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Add suppression" }).click();
  await expect(dialog).toBeHidden();

  const search = page.getByRole("searchbox", { name: "Find by exact address" });
  await search.fill(address.toUpperCase());
  await search.press("Enter");
  const table = page.getByRole("table");
  await expect(table.getByRole("row")).toHaveCount(2);
  const row = table.getByRole("row").filter({ hasText: "Asked us by phone" });
  await expect(row).toContainText("s•••@example.com");
  await expect(row).toContainText("Added by hand");
  await page.screenshot({ path: "test-results/screens/settings-suppressions.png", fullPage: true });
  await expectAccessible(page);

  await row.getByRole("button", { name: /Remove/ }).click();
  const confirm = page.getByRole("alertdialog", { name: "Remove this suppression?" });
  await expect(confirm).toContainText("opts no one in");
  await confirm.getByRole("button", { name: "Remove suppression" }).click();
  await expect(page.getByText("This address is not suppressed")).toBeVisible();
});
