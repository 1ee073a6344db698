import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

/**
 * axe (WCAG 2.1 AA) on an open menu or dialog only: while one is open, Radix hides the rest of the
 * page from assistive tech (aria-hidden), which axe would report against the page behind it.
 */
async function expectAccessibleLayer(page: Page, selector: string) {
  // Colours are measured at rest: the open animation (fade and zoom) finished, no control hovered.
  await page.mouse.move(0, 0);
  await page
    .locator(selector)
    .evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)));
  const results = await new AxeBuilder({ page })
    .include(selector)
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  expect(
    results.violations.map((v) => ({
      rule: v.id,
      targets: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`),
    })),
  ).toEqual([]);
}

test("an owner creates a second workspace from the switcher, switches to it (no contacts there) and back", async ({
  page,
  request,
}) => {
  // A contact in the default workspace, to tell the two workspaces apart.
  const lastName = `Switch${Date.now()}`;
  const seeded = await request.post("/api/v1/contacts", {
    headers: KEY,
    data: { firstName: "Wanda", lastName, email: `wanda.${lastName.toLowerCase()}@example.com` },
  });
  expect(seeded.status()).toBe(200);

  await signIn(page);
  await page.getByRole("link", { name: "Contacts" }).first().click();
  await expect(page).toHaveURL(/\/contacts$/);
  await expect(page.getByTestId("contact-row").filter({ hasText: lastName })).toHaveCount(1);

  const switcher = page.getByTestId("workspace-switcher");
  const originalName = (await switcher.locator("span.truncate").innerText()).trim();

  await switcher.click();
  const menu = page.getByRole("menu");
  await expect(menu.getByRole("menuitem", { name: new RegExp(originalName) })).toHaveAttribute("aria-current", "true");
  await expectAccessibleLayer(page, "[role=menu]");
  await menu.getByRole("menuitem", { name: "New workspace" }).click();

  const dialog = page.getByRole("dialog", { name: "New workspace" });
  await expect(dialog).toBeVisible();
  // Refused without a name, nothing created.
  await dialog.getByRole("button", { name: "Create workspace" }).click();
  await expect(dialog.getByText("Name is required")).toBeVisible();
  await dialog.getByLabel("Name").fill("Harbor Books");
  await dialog.getByLabel("Default region").fill("gb");
  await expectAccessibleLayer(page, "[role=dialog]");
  await page.screenshot({ path: "test-results/e2e/workspaces-new-dialog.png" });
  await dialog.getByRole("button", { name: "Create workspace" }).click();
  await expect(dialog).toBeHidden();

  // The new workspace is the current one, and it starts empty.
  await expect(switcher).toContainText("Harbor Books");
  await page.getByRole("link", { name: "Contacts" }).first().click();
  await expect(page).toHaveURL(/\/contacts$/);
  await expect(page.getByText("No contacts yet")).toBeVisible();
  await expect(page.getByTestId("contact-row")).toHaveCount(0);

  await switcher.click();
  await expect(page.getByRole("menu").getByRole("menuitem")).toHaveCount(3); // two workspaces + "New workspace"
  await page.screenshot({ path: "test-results/e2e/workspaces-switcher-menu.png" });
  await page
    .getByRole("menu")
    .getByRole("menuitem", { name: new RegExp(originalName) })
    .click();

  // Back in the first workspace, on the same section.
  await expect(switcher).toContainText(originalName);
  await expect(page).toHaveURL(/\/contacts$/);
  await expect(page.getByTestId("contact-row").filter({ hasText: lastName })).toHaveCount(1);

  // The choice survives a reload (the cookie), and the API key still works in its own workspace only.
  await page.reload();
  await expect(switcher).toContainText(originalName);
  const me = await request.get("/api/v1/me", { headers: KEY });
  expect((await me.json()).workspace.name).toBe(originalName);
});
