import { expect, test } from "./fixtures";
import { signIn } from "./helpers";

test("health answers ok without auth", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ status: "ok", db: "ok" });
});

test("a wrong password shows an error and does not sign in", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel("Email").fill("owner@e2e.test");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: "do not match" })).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in/);
});

test("sign in, create an API key in Settings, and use it against /api/v1", async ({ page, request }) => {
  await signIn(page);
  await page.screenshot({ path: "test-results/screens/dashboard.png", fullPage: true });

  await page.getByRole("link", { name: "Settings" }).first().click();
  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys/);
  await page.getByRole("button", { name: "Create API key" }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("E2E integration");
  await dialog.getByLabel(/^Admin/).check();
  await dialog.getByRole("button", { name: "Create key" }).click();
  const secret = (await dialog.getByTestId("new-api-key-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^om_/);
  await page.screenshot({ path: "test-results/screens/api-key-created.png" });
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("api-key-row").filter({ hasText: "E2E integration" })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/api-keys.png", fullPage: true });

  const me = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  const body = await me.json();
  expect(body.caller.type).toBe("apiKey");
  expect(body.caller.scopes).toContain("admin");

  const doc = await request.get("/api/v1/openapi.json", { headers: { Authorization: `Bearer ${secret}` } });
  expect(doc.status()).toBe(200);
  expect((await doc.json()).openapi).toMatch(/^3\./);

  expect((await request.get("/api/v1/me")).status()).toBe(401);
  expect((await request.get("/api/v1/me", { headers: { Authorization: "Bearer wrong" } })).status()).toBe(401);

  // Revoke in the UI: the key stops working at once.
  const row = page.getByTestId("api-key-row").filter({ hasText: "E2E integration" });
  await row.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(row.getByText("Revoked")).toBeVisible();
  expect((await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${secret}` } })).status()).toBe(401);
});

test("the API reference is one click from Settings → API keys and reads the public OpenAPI document", async ({
  page,
  request,
}) => {
  const doc = await request.get("/api/v1/openapi.json");
  expect(doc.status()).toBe(200);
  expect((await doc.json()).info.title).toBe("OptIn Manager API");

  await signIn(page);
  await page.goto("/settings/api-keys");
  await page.getByRole("link", { name: "API reference" }).click();
  await expect(page).toHaveURL(/\/docs\/api$/);
  await expect(page.getByRole("heading", { name: "OptIn Manager API", level: 1 })).toBeVisible({ timeout: 20_000 });
  // The viewer lists the operations of the document, e.g. sending with consent.
  await expect(page.getByText("Create or update a contact").first()).toBeVisible();
  await page.screenshot({ path: "test-results/screens/api-reference.png" });
});
