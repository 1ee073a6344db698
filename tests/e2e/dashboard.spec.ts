import { expect, expectAccessible, test } from "./fixtures";
import { E2E_ADMIN_API_KEY, signIn } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

test("the home page is the analytics dashboard: KPIs, range switch, table view, CSV, same numbers as the API", async ({
  page,
  request,
}) => {
  // A consent given today, so the consent trend has something to show.
  const res = await request.post("/api/v1/contacts", {
    headers: KEY,
    data: { email: `dashboard.${Date.now()}@example.com` },
  });
  expect(res.status()).toBe(200);
  const { id } = await res.json();
  const consent = await request.post(`/api/v1/contacts/${id}/consent`, {
    headers: KEY,
    data: { channel: "email", topic: "newsletter", status: "opted_in", source: "api", evidence: { ip: "203.0.113.7" } },
  });
  expect(consent.status()).toBe(200);

  await signIn(page);
  const dashboard = page.getByTestId("analytics-dashboard");
  await expect(dashboard).toBeVisible();
  for (const tile of ["kpi-delivery-rate", "kpi-bounce-rate", "kpi-complaint-rate", "kpi-net-growth"])
    await expect(page.getByTestId(tile)).toBeVisible();
  await expect(page.getByRole("button", { name: "30 days" })).toHaveAttribute("aria-pressed", "true");

  // The net growth tile shows what the API answers for the same range.
  const trend = await request.get("/api/v1/analytics/consent-trend", { headers: KEY });
  expect(trend.status()).toBe(200);
  const { totals } = await trend.json();
  expect(totals.optIns).toBeGreaterThan(0);
  await expect(page.getByTestId("kpi-net-growth")).toContainText(`${totals.optIns} opt-ins`);

  // Switch the range: the URL keeps it.
  await page.getByRole("button", { name: "7 days" }).click();
  await expect(page).toHaveURL(/range=7/);
  await expect(page.getByRole("button", { name: "7 days" })).toHaveAttribute("aria-pressed", "true");

  // The consent chart as a table, with its column headers.
  const section = page.getByTestId("section-consent");
  await expect(section.getByRole("img", { name: /^Chart of opt-ins and opt-outs/ })).toBeVisible();
  await section.getByRole("button", { name: "Show table" }).click();
  await expect(section.getByRole("columnheader", { name: "Opt-ins" })).toBeVisible();
  await expect(section.getByRole("table")).toBeVisible();
  const csvLink = section.getByRole("link", { name: /Download CSV/ });
  await expect(csvLink).toHaveAttribute("href", /\/api\/analytics\/consent-trend\.csv\?from=/);
  await expectAccessible(page);

  // Filter by channel through the select: the URL keeps it too.
  await page.getByRole("combobox", { name: "Channel" }).click();
  await page.getByRole("option", { name: "SMS" }).click();
  await expect(page).toHaveURL(/channel=sms/);
  await expect(page).toHaveURL(/range=7/);
  await page.screenshot({ path: "test-results/screens/dashboard-analytics.png", fullPage: true });
});
