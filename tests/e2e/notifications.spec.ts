import { expect, expectAccessible, test } from "./fixtures";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

/**
 * An import through the API whose every row is rejected (no contact is added, so specs that count
 * the default workspace's contacts are unaffected) notifies every member, the signed-in owner
 * too: the bell counts it, its list shows it, "Mark all as read" clears the count.
 */
test("the bell shows the unread count, lists an import's notification, and marks all as read", async ({
  page,
  request,
}) => {
  const filename = `e2e-notifications-${Date.now()}.csv`;
  const created = await request.post("/api/v1/imports", {
    headers: KEY,
    data: { filename, mapping: { email: "Email" }, topicKeys: [], channels: [] },
  });
  expect(created.status()).toBe(200);
  const { id } = (await created.json()) as { id: string };
  const upload = await request.post(`/api/imports?importId=${id}`, {
    headers: { ...KEY, "content-type": "text/csv" },
    data: "Email\nnot-an-address\nalso-not-one\n",
  });
  expect(upload.status()).toBe(200);
  expect(await upload.json()).toMatchObject({ status: "completed", rejectedRows: 2 });

  await signIn(page);
  const bell = page.getByRole("button", { name: /^Notifications, [1-9]\d* unread$/ });
  await expect(bell).toBeVisible();
  await expectAccessible(page);

  await bell.click();
  const popover = page.getByRole("dialog", { name: "Notifications" });
  await expect(popover).toBeVisible();
  const list = popover.getByRole("list", { name: "Latest notifications" });
  await expect(list.getByText(`Import "${filename}" finished with 2 rejected rows`)).toBeVisible();
  await expect(list.getByText("Unread:").first()).toBeAttached();
  await expectAccessible(page);
  await page.screenshot({ path: "test-results/screens/notifications-popover-1280.png" });

  await popover.getByRole("button", { name: "Mark all as read" }).click();
  await expect(page.getByRole("button", { name: "Notifications, 0 unread" })).toBeVisible();
  await expect(popover.getByRole("button", { name: "Mark all as read" })).toBeDisabled();

  // Escape closes the list and gives focus back to the bell.
  await page.keyboard.press("Escape");
  await expect(popover).toBeHidden();
  await expect(page.getByRole("button", { name: "Notifications, 0 unread" })).toBeFocused();

  // The full page lists it too, read now.
  await page.goto("/notifications");
  await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
  await expect(page.getByText(`Import "${filename}" finished with 2 rejected rows`)).toBeVisible();
  await expect(page.getByRole("button", { name: "Mark all as read" })).toBeDisabled();
  await expectAccessible(page);
  await page.screenshot({ path: "test-results/screens/notifications-page-1280.png", fullPage: true });
});

// A kind nothing produces yet, so flipping it changes no later spec's messages.
test("notification preferences are a table of kinds with in-app and email checkboxes, saved", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/account");
  const table = page.getByRole("table", { name: "Notification preferences" });
  await expect(table).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: "test-results/screens/settings-account-notifications-1280.png", fullPage: true });
  const email = page.getByRole("checkbox", { name: "Scheduled report sent by email" });
  const wasChecked = (await email.getAttribute("aria-checked")) === "true";
  await email.click();
  await page.getByRole("button", { name: "Save notification preferences" }).click();
  await expect(page.getByText("Notification preferences saved")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("checkbox", { name: "Scheduled report sent by email" })).toHaveAttribute(
    "aria-checked",
    wasChecked ? "false" : "true",
  );
});
