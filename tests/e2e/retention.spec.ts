import { expect, expectAccessible, test } from "./fixtures";
import { signIn } from "./helpers";

test("an admin shortens a retention window in Settings → Data retention; it is kept after a reload", async ({
  page,
}) => {
  await signIn(page);
  await page.goto("/settings");
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Data retention" }).click();
  await expect(page).toHaveURL(/\/settings\/retention$/);
  const card = page.getByTestId("retention-settings");
  const bodies = card.getByRole("textbox", { name: "Message bodies" });
  await expect(bodies).toHaveValue("30");
  await expect(card.getByRole("textbox", { name: "Audit log" })).toHaveValue("2555");
  await expectAccessible(page);
  await card.screenshot({ path: "test-results/screens/settings-retention-card.png" });

  // Under the minimum: said next to the field, and nothing can be saved.
  const audit = card.getByRole("textbox", { name: "Audit log" });
  await audit.fill("100");
  await expect(card.getByText("At least 365 days")).toBeVisible();
  await expect(card.getByRole("button", { name: "Save retention" })).toBeDisabled();
  await audit.fill("2555");

  await bodies.fill("14");
  await card.getByRole("checkbox", { name: /Keep forever \(Messages\)/ }).click();
  await card.getByRole("button", { name: "Save retention" }).click();
  await expect(page.getByText("Retention settings saved")).toBeVisible();

  await page.reload();
  const reloaded = page.getByTestId("retention-settings");
  await expect(reloaded.getByRole("textbox", { name: "Message bodies" })).toHaveValue("14");
  await expect(reloaded.getByRole("checkbox", { name: /Keep forever \(Messages\)/ })).toBeChecked();
  await expect(reloaded.getByRole("textbox", { name: "Messages" })).toBeDisabled();

  // Back to the defaults.
  await reloaded.getByRole("textbox", { name: "Message bodies" }).fill("30");
  await reloaded.getByRole("checkbox", { name: /Keep forever \(Messages\)/ }).click();
  await reloaded.getByRole("textbox", { name: "Messages" }).fill("730");
  await reloaded.getByRole("button", { name: "Save retention" }).click();
  await expect(page.getByText("Retention settings saved")).toBeVisible();
});
