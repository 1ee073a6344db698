import { expect, type Page } from "@playwright/test";
import { E2E_ADMIN, E2E_ADMIN_API_KEY } from "../../playwright.config";

export async function signIn(page: Page, email = E2E_ADMIN.email, password = E2E_ADMIN.password) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // The first sign-in of a run compiles nothing but may wait on a busy machine: allow it time.
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible({ timeout: 30_000 });
}

export { E2E_ADMIN, E2E_ADMIN_API_KEY };
