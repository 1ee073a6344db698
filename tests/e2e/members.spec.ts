import { expect, test } from "./fixtures";
import { signIn } from "./helpers";

test("an admin invites a member, who joins with the link, and the admin changes their role", async ({
  page,
  browser,
}) => {
  await signIn(page);
  await page.goto("/settings/members");
  await expect(page.getByTestId("member-row")).toHaveCount(1);
  await page.getByRole("button", { name: "Invite member" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Email").fill("marketer@e2e.test");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  const inviteUrl = (await dialog.getByTestId("invite-url").textContent())?.trim() ?? "";
  expect(inviteUrl).toContain("/invite/");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("invitation-row").filter({ hasText: "marketer@e2e.test" })).toBeVisible();

  // The invitee, in a separate browser session with no cookies.
  const invitee = await browser.newContext();
  const inviteePage = await invitee.newPage();
  await inviteePage.goto(inviteUrl);
  await expect(inviteePage.getByRole("heading", { name: /Join/ })).toBeVisible();
  await inviteePage.screenshot({ path: "test-results/screens/invite.png" });
  await inviteePage.getByLabel("Your name").fill("Mia Marketer");
  await inviteePage.getByLabel(/^Password/).fill("mia-long-password");
  await inviteePage.getByLabel("Confirm password").fill("mia-long-password");
  await inviteePage.getByRole("button", { name: "Create account and join" }).click();
  await expect(inviteePage.getByRole("heading", { name: "Welcome, Mia Marketer" })).toBeVisible();
  // A marketer cannot manage API keys.
  await inviteePage.goto("/settings/api-keys");
  await expect(inviteePage.getByText("Admins only")).toBeVisible();

  // The link works once.
  const again = await browser.newContext();
  const againPage = await again.newPage();
  await againPage.goto(inviteUrl);
  await expect(againPage.getByRole("heading", { name: "This invitation is no longer valid" })).toBeVisible();
  await again.close();

  await page.reload();
  const row = page.getByTestId("member-row").filter({ hasText: "Mia Marketer" });
  await expect(row).toBeVisible();
  await row.getByRole("combobox").click();
  await page.getByRole("option", { name: "Viewer" }).click();
  await expect(page.getByText("Mia Marketer is now viewer")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/members.png", fullPage: true });

  // The role change applies to the member's very next request.
  await inviteePage.goto("/settings/members");
  await expect(inviteePage.getByRole("button", { name: "Invite member" })).toHaveCount(0);
  await invitee.close();
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page);
  await page
    .getByRole("button", { name: /account menu|owner@e2e.test|Admin/i })
    .first()
    .click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/sign-in/);
});
