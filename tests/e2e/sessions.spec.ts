import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

test("changing the password ends the user's other sessions and keeps the one that changed it", async ({
  page,
  browser,
}) => {
  // A user of our own (the admin's password stays as the other specs expect it).
  await signIn(page);
  await page.goto("/settings/members");
  await page.getByRole("button", { name: "Invite member" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Email").fill("sessions@e2e.test");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  const inviteUrl = (await dialog.getByTestId("invite-url").textContent())?.trim() ?? "";
  expect(inviteUrl).toContain("/invite/");
  await dialog.getByRole("button", { name: "Done" }).click();

  const laptop = await (await browser.newContext()).newPage();
  await laptop.goto(inviteUrl);
  await laptop.getByLabel("Your name").fill("Sam Sessions");
  await laptop.getByLabel(/^Password/).fill("sam-first-password");
  await laptop.getByLabel("Confirm password").fill("sam-first-password");
  await laptop.getByRole("button", { name: "Create account and join" }).click();
  await expect(laptop.getByRole("heading", { name: "Welcome, Sam Sessions" })).toBeVisible();

  const other = await (await browser.newContext()).newPage();
  await signIn(other, "sessions@e2e.test", "sam-first-password");

  await laptop.goto("/settings/account");
  await laptop.getByLabel("Current password").fill("sam-first-password");
  await laptop.getByLabel(/^New password/).fill("sam-second-password");
  await laptop.getByLabel("Confirm new password").fill("sam-second-password");
  await laptop.getByRole("button", { name: "Change password" }).click();
  await expect(laptop.getByText("Password changed")).toBeVisible();

  // The session that changed the password carries on; the other one is signed out.
  await laptop.goto("/");
  await expect(laptop.getByRole("heading", { name: "Welcome, Sam Sessions" })).toBeVisible();
  await other.goto("/");
  await expect(other).toHaveURL(/\/sign-in/);

  await signIn(other, "sessions@e2e.test", "sam-second-password");
});
