import { expect, test } from "./fixtures";
import type { Page } from "@playwright/test";
import { signIn } from "./helpers";

const SHOTS = "test-results/screens";

async function shoot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SHOTS}/${name}-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SHOTS}/${name}-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("create an email template with a variable, preview it live, save a second version and restore the first", async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.getByRole("link", { name: "Templates" }).first().click();
  await expect(page).toHaveURL(/\/templates$/);
  await expect(page.getByRole("heading", { name: "Templates", level: 1 })).toBeVisible();
  // A new workspace starts with its default templates.
  await expect(page.getByTestId("template-row").filter({ hasText: "Newsletter" })).toBeVisible();
  await expect(page.getByTestId("template-row").filter({ hasText: "Opt-out confirmation" })).toBeVisible();
  await shoot(page, "templates-list");

  await page.getByRole("link", { name: "New template" }).click();
  await expect(page).toHaveURL(/\/templates\/new$/);
  const name = `Order shipped ${Date.now()}`;
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await expect(page.getByRole("textbox", { name: "Key", exact: true })).toHaveValue(/^order_shipped_\d+$/);
  await page.getByRole("combobox", { name: "Category" }).click();
  await page.getByRole("option", { name: "Transactional" }).click();

  await page.getByRole("button", { name: "Add variable" }).click();
  const variable = page.getByTestId("variable-row").first();
  await variable.getByRole("textbox", { name: "Name" }).fill("order_id");
  await variable.getByRole("textbox", { name: "Sample value" }).fill("A-1001");

  await page.getByRole("textbox", { name: "Subject", exact: true }).fill("Order {{ order_id }} shipped");
  const body = page.getByRole("textbox", { name: "Email body (en)" });
  await body.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("Hi {{ contact.first_name }}, your order {{ order_id }} is on its way.");

  // The live preview renders the sample data in the layout.
  await expect(page.getByTestId("preview-subject")).toHaveText("Order A-1001 shipped");
  const frame = page.frameLocator('iframe[title="Email preview"]');
  await expect(frame.getByText("Hi Alex, your order A-1001 is on its way.")).toBeVisible();
  await expect(frame.getByRole("link", { name: "Manage preferences" })).toBeVisible();

  // An undeclared variable is a problem that blocks saving, shown inline.
  await page.getByRole("textbox", { name: "Subject", exact: true }).fill("Order {{ order_id }} shipped {{ coupon }}");
  await expect(page.getByTestId("compliance-problems")).toContainText('unknown variable "coupon"');
  await expect(page.getByText("Saving is blocked until the errors are fixed.")).toBeVisible();
  await page.getByRole("textbox", { name: "Subject", exact: true }).fill("Order {{ order_id }} shipped");
  await expect(page.getByTestId("compliance-ok")).toBeVisible();
  await shoot(page, "template-editor-new");

  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page).toHaveURL(/\/templates\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("version-1")).toContainText("live");

  // Editing makes version 2.
  await page.getByRole("textbox", { name: "Subject", exact: true }).fill("Your order {{ order_id }} has shipped");
  await expect(page.getByTestId("preview-subject")).toHaveText("Your order A-1001 has shipped");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved as version 2")).toBeVisible();
  await expect(page.getByTestId("version-2")).toContainText("live");

  // View version 1, then restore it: it becomes version 3.
  await page.getByRole("button", { name: "View version 1" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("preview-subject")).toHaveText("Order A-1001 shipped");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Restore version 1" }).click();
  await page.getByRole("button", { name: "Restore v1" }).click();
  await expect(page.getByText("Version 1 restored as version 3")).toBeVisible();
  await expect(page.getByTestId("version-3")).toContainText("Restored from v1");
  await expect(page.getByRole("textbox", { name: "Subject", exact: true })).toHaveValue("Order {{ order_id }} shipped");
  await expect(page.getByTestId("preview-subject")).toHaveText("Order A-1001 shipped");
  await shoot(page, "template-editor-saved");

  await page.getByRole("link", { name: "Templates" }).first().click();
  await expect(page.getByTestId("template-row").filter({ hasText: name })).toContainText("v3");
});

test("an SMS template counts segments and shows the opt-out wording a marketing send adds", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.goto("/templates/new?channel=sms");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(`Flash sale ${Date.now()}`);
  const text = page.getByRole("textbox", { name: "SMS text (en)" });
  await text.fill("Flash sale: 20% off everything today only");
  await expect(page.getByTestId("sms-counter")).toContainText("41 characters · GSM-7 · 1 segment");
  await expect(page.getByTestId("sms-bubble")).toHaveText(
    /: Flash sale: 20% off everything today only\. Reply STOP to opt out\.$/,
  );
  await expect(page.getByTestId("compliance-problems")).toContainText("must say how to opt out");
  await text.fill("Flash sale 🎉 20% off");
  await expect(page.getByTestId("sms-counter")).toContainText("UCS-2");
  await shoot(page, "template-editor-sms");
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page).toHaveURL(/\/templates\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("version-1")).toBeVisible();
});
