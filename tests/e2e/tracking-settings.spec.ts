import { expect, expectAccessible, test } from "./fixtures";
import { signIn } from "./helpers";

test("an admin turns counting machine opens on and off in Settings → General → Tracking", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings");
  const card = page.getByTestId("tracking-settings");
  await expect(card.getByText("Tracking", { exact: true })).toBeVisible();
  const opens = card.getByRole("switch", { name: "Track opens" });
  const machine = card.getByRole("switch", { name: "Count machine opens and clicks" });
  await expect(opens).toBeChecked();
  await expect(card.getByRole("switch", { name: "Track clicks" })).toBeChecked();
  await expect(machine).not.toBeChecked();
  await expectAccessible(page);
  await card.screenshot({ path: "test-results/screens/settings-tracking-card.png" });

  await machine.click();
  await card.getByRole("button", { name: "Save tracking" }).click();
  await expect(page.getByText("Tracking settings saved")).toBeVisible();
  await page.reload();
  await expect(
    page.getByTestId("tracking-settings").getByRole("switch", { name: "Count machine opens and clicks" }),
  ).toBeChecked();

  // Back to the defaults the other specs expect.
  await page.getByTestId("tracking-settings").getByRole("switch", { name: "Count machine opens and clicks" }).click();
  await page.getByTestId("tracking-settings").getByRole("button", { name: "Save tracking" }).click();
  await expect(page.getByText("Tracking settings saved")).toBeVisible();
});
