import { test, expect } from "./fixtures";
import { signIn } from "./helpers";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

test("an admin sets the sender, postal address, accent colour and logo in Settings → General", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Email sender" })).toBeVisible();

  // A bad reply-to and colour are named next to their fields; nothing is saved.
  await page.getByLabel("Reply-to address").fill("not-an-address");
  await page.getByLabel("Accent colour").fill("teal");
  await page.getByRole("button", { name: "Save sender and brand" }).first().click();
  await expect(page.getByText("Enter an email address like name@example.com").first()).toBeVisible();
  await expect(page.getByText("Enter a colour like #0f766e").first()).toBeVisible();

  await page.getByLabel("Sender name").fill("Acme News");
  await expect(page.getByText('"Acme News" <', { exact: false })).toBeVisible();
  await page.getByLabel("Reply-to address").fill("support@acme.example");
  await page.getByLabel("Postal address").fill("Acme Inc., 9 Harbour Road, Portland, ME 04101");
  await page.getByLabel("Accent colour").fill("#1d4ed8");
  await page.getByRole("button", { name: "Save sender and brand" }).first().click();
  await expect(page.getByText("Sender and brand saved")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Sender name")).toHaveValue("Acme News");
  await expect(page.getByLabel("Postal address")).toHaveValue("Acme Inc., 9 Harbour Road, Portland, ME 04101");

  // A logo upload: refused when it is not an image, shown in the preview when it is.
  await page.locator('input[type="file"]').setInputFiles({
    name: "logo.png",
    mimeType: "image/png",
    buffer: Buffer.from("this is text, not a picture"),
  });
  await expect(page.getByRole("alert").filter({ hasText: "not the image it claims to be" })).toBeVisible();
  await page.locator('input[type="file"]').setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG });
  await expect(page.getByText("Logo uploaded")).toBeVisible();
  const logo = page.getByTestId("brand-preview").getByRole("img");
  await expect(logo).toHaveAttribute("src", /^\/brand\/[0-9a-f-]+\/logo\?v=[0-9a-f]{16}$/);
  const src = await logo.getAttribute("src");
  const served = await page.request.get(src!);
  expect(served.status()).toBe(200);
  expect(served.headers()["content-type"]).toBe("image/png");
  await page.screenshot({ path: "test-results/screenshots/settings-general.png", fullPage: true });

  // Put the default workspace back as the other specs expect it.
  await page.getByRole("button", { name: "Remove uploaded logo" }).click();
  await expect(page.getByText("Logo removed")).toBeVisible();
  for (const label of ["Sender name", "Reply-to address", "Postal address", "Accent colour"])
    await page.getByLabel(label).fill("");
  await page.getByRole("button", { name: "Save sender and brand" }).first().click();
  await expect(page.getByText("Sender and brand saved")).toBeVisible();
});
