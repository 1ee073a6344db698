import { expect, expectAccessible, test } from "./fixtures";
import { signIn } from "./helpers";

test("an owner edits quiet hours, the time zone and frequency caps in Settings → Messaging", async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.goto("/settings");
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Messaging" }).click();
  await expect(page).toHaveURL(/\/settings\/messaging$/);

  // The defaults of a new workspace (docs/contract.md, "Messaging defaults").
  const start = page.getByLabel("Start");
  const end = page.getByLabel("End");
  // The settings load in the browser; allow for a slow first load on a busy CI machine.
  await expect(start).toHaveValue("08:00", { timeout: 30_000 });
  await expect(end).toHaveValue("21:00");
  await expect(page.getByRole("switch", { name: "Hold marketing texts outside the window" })).toBeChecked();
  await expect(page.getByRole("switch", { name: "Apply statutory rules" })).toBeChecked();
  await expect(page.getByRole("combobox", { name: "Workspace time zone" })).toHaveText("America/New York");
  await expect(page.getByText("No frequency cap")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/messaging-settings-defaults.png", fullPage: true });

  // A window that ends before it starts is refused with a message on the field.
  await end.fill("07:00");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("The window must end after it starts")).toBeVisible();

  await start.fill("09:00");
  await end.fill("20:00");
  await page.getByRole("combobox", { name: "Workspace time zone" }).click();
  await page.getByRole("option", { name: "America/Chicago", exact: true }).click();

  // Two caps: 3 texts on Promotions per week, 10 messages on any channel per 30 days.
  await page.getByRole("button", { name: "Add cap" }).click();
  const first = page.getByTestId("frequency-cap").nth(0);
  await first.getByRole("combobox", { name: "Topic of cap 1" }).click();
  await page.getByRole("option", { name: "Promotions" }).click();
  await first.getByLabel("Most messages of cap 1").fill("");
  await expect(first.getByLabel("Most messages of cap 1")).toHaveValue("");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(first.getByText("Enter a number")).toBeVisible();
  await first.getByLabel("Most messages of cap 1").fill("3");

  await page.getByRole("button", { name: "Add cap" }).click();
  const second = page.getByTestId("frequency-cap").nth(1);
  await second.getByRole("combobox", { name: "Channel of cap 2" }).click();
  await page.getByRole("option", { name: "Any channel" }).click();
  await second.getByLabel("Most messages of cap 2").fill("10");
  await second.getByLabel("Days of cap 2").fill("30");
  await expect(
    second.getByText("At most 10 marketing messages on any channel on all marketing topics together in any 30 days."),
  ).toBeVisible();

  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Messaging settings saved")).toBeVisible();
  await expect(page.getByRole("form", { name: "Messaging settings" }).getByText("All changes saved.")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/messaging-settings-1280.png", fullPage: true });

  // Saved for real: a reload shows the same policy.
  await page.reload();
  await expect(page.getByLabel("Start")).toHaveValue("09:00", { timeout: 30_000 });
  await expect(page.getByLabel("End")).toHaveValue("20:00");
  await expect(page.getByRole("combobox", { name: "Workspace time zone" })).toHaveText("America/Chicago");
  await expect(page.getByTestId("frequency-cap")).toHaveCount(2);
  await expect(page.getByTestId("frequency-cap").nth(0).getByRole("combobox", { name: "Topic of cap 1" })).toHaveText(
    "Promotions",
  );
  await expect(page.getByTestId("frequency-cap").nth(1).getByLabel("Days of cap 2")).toHaveValue("30");

  // Remove a cap and turn statutory rules off; discard brings nothing back once saved.
  await page.getByRole("button", { name: "Remove cap 1" }).click();
  await page.getByRole("switch", { name: "Apply statutory rules" }).click();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Messaging settings saved")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("frequency-cap")).toHaveCount(1, { timeout: 30_000 });
  await expect(page.getByRole("switch", { name: "Apply statutory rules" })).not.toBeChecked();

  // Phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByTestId("frequency-cap")).toHaveCount(1, { timeout: 30_000 });
  await page.screenshot({ path: "test-results/screens/messaging-settings-390.png", fullPage: true });

  // The change is in the audit log.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto("/settings/audit");
  await expect(
    page
      .getByTestId("audit-row")
      .filter({ hasText: /updated messaging settings/i })
      .first(),
  ).toBeVisible({ timeout: 30_000 });
});

test("an owner sets SMS prices per country in Settings → Messaging", async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.goto("/settings/messaging");
  const card = page.getByRole("form", { name: "SMS prices" });
  const defaultPrice = card.getByRole("spinbutton", { name: "Default price per segment (USD)" });
  await expect(defaultPrice).toBeVisible({ timeout: 30_000 });

  // A negative price is refused next to its field, before anything is sent.
  await defaultPrice.fill("-1");
  await card.getByRole("button", { name: "Save SMS prices" }).click();
  await expect(card.getByText("The price cannot be negative")).toBeVisible();
  await defaultPrice.fill("0.009");

  // One country by hand, then the typical prices (a price already set is kept).
  await card.getByRole("combobox", { name: "Country" }).click();
  await page.getByRole("option", { name: "United Kingdom (GB)" }).click();
  await card.getByRole("spinbutton", { name: "Price (USD)" }).fill("0.05");
  await card.getByRole("button", { name: "Add country" }).click();
  await expect(card.getByRole("spinbutton", { name: "Price for United Kingdom" })).toHaveValue("0.05");
  await card.getByRole("button", { name: "Add typical prices" }).click();
  await expect(card.getByRole("spinbutton", { name: "Price for United States" })).toHaveValue("0.0083");
  await expect(card.getByRole("spinbutton", { name: "Price for United Kingdom" })).toHaveValue("0.05");
  await card.getByRole("button", { name: "Remove France" }).click();
  await expect(card.getByRole("spinbutton", { name: "Price for France" })).toHaveCount(0);
  await expect(card.getByRole("columnheader", { name: "Price per segment (USD)" })).toBeVisible();
  await expectAccessible(page);

  await card.getByRole("button", { name: "Save SMS prices" }).click();
  await expect(page.getByText("SMS prices saved")).toBeVisible();

  // Saved for real.
  await page.reload();
  await expect(card.getByRole("spinbutton", { name: "Default price per segment (USD)" })).toHaveValue("0.009", {
    timeout: 30_000,
  });
  await expect(card.getByRole("spinbutton", { name: "Price for United Kingdom" })).toHaveValue("0.05");
  await expect(card.getByRole("spinbutton", { name: "Price for Germany" })).toHaveValue("0.0946");
  await expect(card.getByRole("spinbutton", { name: "Price for France" })).toHaveCount(0);

  await page.goto("/settings/audit");
  await expect(
    page
      .getByTestId("audit-row")
      .filter({ hasText: /updated SMS prices/i })
      .first(),
  ).toBeVisible({ timeout: 30_000 });
});
