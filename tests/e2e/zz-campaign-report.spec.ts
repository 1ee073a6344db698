import { expect, expectAccessible, test } from "./fixtures";
import type { APIRequestContext } from "@playwright/test";
import { E2E_ADMIN_API_KEY, signIn } from "./helpers";

/**
 * The Report tab of a sent campaign (funnel chart with its table, what fell out, hourly opens and
 * clicks, top links, CSV links) and the comparison page reached from the campaigns list. The
 * campaign is sent through the API to one contact of a topic of its own; the in-process runner
 * and the log transport deliver it. Named to run after the other campaign specs.
 */

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

async function post(request: APIRequestContext, path: string, data: unknown) {
  const res = await request.post(`/api/v1${path}`, { headers: KEY, data });
  expect(res.status(), path).toBe(200);
  return res.json();
}

test("a sent campaign's report shows its funnel as a chart and a table; two campaigns compare side by side", async ({
  page,
  request,
}) => {
  test.setTimeout(240_000);
  const stamp = `${Date.now()}`;
  const topic = `report-${stamp}`;
  await post(request, "/topics", { key: topic, name: `Report news ${stamp}`, channels: ["email"], kind: "marketing" });
  const contact = await post(request, "/contacts", { email: `robin.lee.${stamp}@example.com`, firstName: "Robin" });
  await post(request, `/contacts/${contact.id}/consent`, {
    channel: "email",
    topic,
    status: "opted_in",
    source: "form",
    evidence: { ip: "198.51.100.7", text: "Send me the report news." },
  });
  const content = { subject: "Our report", text: "Read it at https://example.com/report" };
  const sent = await post(request, "/campaigns", { name: `Report ${stamp}`, channel: "email", topic, content });
  await post(request, "/campaigns", { name: `Report draft ${stamp}`, channel: "email", topic, content });
  await post(request, `/campaigns/${sent.id}/schedule`, {});
  await expect
    .poll(
      async () => {
        const res = await request.get(`/api/v1/campaigns/${sent.id}/report`, { headers: KEY });
        return (await res.json()).funnel?.delivered;
      },
      { timeout: 120_000, intervals: [1_000] },
    )
    .toBe(1);

  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.goto(`/campaigns/${sent.id}`);
  await page.getByRole("tab", { name: "Report" }).click();
  const report = page.getByTestId("campaign-report");
  const funnel = report.getByTestId("report-funnel-table");
  await expect(
    funnel
      .getByRole("row", { name: /^Delivered/ })
      .getByRole("cell")
      .first(),
  ).toHaveText("1");
  await expect(funnel.getByRole("row", { name: /^Sent/ }).getByRole("cell").first()).toHaveText("1");
  await expect(report.getByRole("img", { name: /^Funnel: Audience/ })).toBeVisible();
  await expect(report.getByRole("link", { name: "Download funnel CSV" })).toHaveAttribute(
    "href",
    `/api/campaigns/${sent.id}/report.csv?section=funnel`,
  );
  await report.getByRole("button", { name: "Show as table" }).click();
  await expect(report.getByTestId("report-hourly-table")).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: "test-results/screens/campaign-report-1280.png", fullPage: true });

  await page.goto("/campaigns");
  await page.getByRole("checkbox", { name: `Compare Report ${stamp}`, exact: true }).check();
  await page.getByRole("checkbox", { name: `Compare Report draft ${stamp}`, exact: true }).check();
  await page.getByRole("link", { name: "Compare 2" }).click();
  await expect(page).toHaveURL(/\/campaigns\/compare\?ids=/);
  const table = page.getByTestId("campaign-comparison");
  await expect(table.getByRole("columnheader", { name: `Report ${stamp}`, exact: true })).toBeVisible();
  await expect(table.getByRole("columnheader", { name: `Report draft ${stamp}`, exact: true })).toBeVisible();
  await expect(table.getByRole("row", { name: /^Delivered/ }).getByRole("cell")).toHaveText(["1", "0"]);
  await expect(page.getByRole("link", { name: "Download CSV" })).toHaveAttribute("href", /compare\.csv\?ids=/);
  await expectAccessible(page);
});
