import { expect, test } from "./fixtures";
import type { APIRequestContext, Locator, Page } from "@playwright/test";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

/**
 * Contacts created through the REST API, all but one carrying this run's tag. Tag AND (plan pro OR
 * country CA) matches three of them: Pro in the US, Free in Canada, Pro in Canada.
 */
async function seedContacts(request: APIRequestContext, tag: string, run: string) {
  const people = [
    { firstName: "Priya", email: `priya.${run}@example.com`, tags: [tag], attributes: { plan: "pro", country: "US" } },
    { firstName: "Colin", email: `colin.${run}@example.com`, tags: [tag], attributes: { plan: "free", country: "CA" } },
    {
      firstName: "Ursula",
      email: `ursula.${run}@example.com`,
      tags: [tag],
      attributes: { plan: "free", country: "US" },
    },
    {
      firstName: "Chantal",
      email: `chantal.${run}@example.com`,
      tags: [tag],
      attributes: { plan: "pro", country: "CA" },
    },
    {
      firstName: "Noah",
      email: `noah.${run}@example.com`,
      tags: ["other"],
      attributes: { plan: "pro", country: "CA" },
    },
  ];
  for (const person of people) {
    const res = await request.post("/api/v1/contacts", { headers: KEY, data: person });
    expect(res.status()).toBe(200);
  }
}

async function choose(page: Page, within: Locator, control: string, option: string) {
  await within.getByLabel(control, { exact: true }).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

test("build a segment with a nested AND/OR filter, see its live count and preview, save and reopen it", async ({
  page,
  request,
}) => {
  test.setTimeout(240_000);
  const run = `${Date.now()}`;
  const tag = `seg-${run}`;
  await seedContacts(request, tag, run);

  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.getByRole("link", { name: "Segments" }).first().click();
  await expect(page).toHaveURL(/\/segments$/);
  await expect(page.getByRole("heading", { name: "Segments", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "New segment" }).first().click();
  await expect(page).toHaveURL(/\/segments\/new$/);

  const name = `VIP pro or Canada ${run}`;
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);

  // The root group: ALL of [tag, (ANY of plan is pro, country is CA)].
  const root = page.getByTestId("segment-group").first();
  await expect(root).toHaveAttribute("data-mode", "all");
  await root.getByRole("button", { name: "Add condition" }).click();
  const tagCondition = page.getByTestId("segment-condition").first();
  await expect(tagCondition.getByLabel("Field", { exact: true })).toHaveText("Tags");
  await expect(tagCondition.getByLabel("Operator", { exact: true })).toHaveText("has tag");
  await tagCondition.getByLabel("Value", { exact: true }).fill(tag);

  await root.getByRole("button", { name: "Add group" }).last().click();
  const group = page.getByTestId("segment-group").nth(1);
  await expect(group).toHaveAttribute("data-mode", "any");
  const plan = group.getByTestId("segment-condition").first();
  await choose(page, plan, "Field", "Custom attribute");
  await plan.getByLabel("Attribute name", { exact: true }).fill("plan");
  await choose(page, plan, "Operator", "is");
  await plan.getByLabel("Value", { exact: true }).fill("pro");

  await group.getByRole("button", { name: "Add condition" }).click();
  const country = group.getByTestId("segment-condition").nth(1);
  await choose(page, country, "Field", "Country");
  await choose(page, country, "Operator", "is");
  await country.getByLabel("Value", { exact: true }).fill("ca");
  await expect(country.getByLabel("Value", { exact: true })).toHaveValue("CA");

  // The live count and the preview follow the unsaved filter.
  await expect(page.getByTestId("segment-live-count")).toHaveText("3 contacts match", { timeout: 30_000 });
  const rows = page.getByTestId("segment-preview-row");
  await expect(rows).toHaveCount(3);
  for (const person of ["Priya", "Colin", "Chantal"]) await expect(rows.filter({ hasText: person })).toHaveCount(1);
  await expect(rows.filter({ hasText: "Ursula" })).toHaveCount(0);
  await expect(rows.filter({ hasText: "Noah" })).toHaveCount(0);

  // A condition left incomplete is shown next to it, and saving waits for it.
  await group.getByRole("button", { name: "Add condition" }).click();
  const extra = group.getByTestId("segment-condition").nth(2);
  await page.getByRole("button", { name: "Create segment" }).click();
  await expect(extra.getByRole("alert")).toContainText("Enter a value");
  await expect(page).toHaveURL(/\/segments\/new$/);
  await extra.getByRole("button", { name: "Remove condition" }).click();

  await page.getByRole("button", { name: "Create segment" }).click();
  await expect(page).toHaveURL(/\/segments\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();

  // Reopened: the same filter, count and contacts.
  await page.reload();
  await expect(page.getByTestId("segment-condition")).toHaveCount(3);
  await expect(page.getByTestId("segment-group").nth(1)).toHaveAttribute("data-mode", "any");
  await expect(page.getByTestId("segment-live-count")).toHaveText("3 contacts match", { timeout: 30_000 });
  await expect(page.getByTestId("segment-preview-row")).toHaveCount(3);
  await page.screenshot({ path: "test-results/screens/segment-builder-1280.png", fullPage: true });

  // The list shows the saved segment with its count.
  await page.getByRole("link", { name: "Segments" }).first().click();
  const row = page.getByTestId("segment-row").filter({ hasText: name });
  await expect(row.getByTestId("segment-count")).toHaveText("3 contacts", { timeout: 30_000 });
  await page.screenshot({ path: "test-results/screens/segments-list-1280.png", fullPage: true });

  // The same segment filters the contacts list.
  await page.getByRole("link", { name: "Contacts" }).first().click();
  await page.getByRole("combobox", { name: "Segment" }).click();
  await page.getByRole("option", { name }).click();
  await expect(page.getByTestId("contact-row")).toHaveCount(3);
  for (const person of ["Priya", "Colin", "Chantal"])
    await expect(page.getByTestId("contact-row").filter({ hasText: person })).toHaveCount(1);
});
