import { expect, expectAccessible, test } from "./fixtures";
import { E2E_ADMIN_API_KEY, signIn } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

test("set up an A/B test in the campaign editor: two subjects, a sender name, the share; saved as a draft test", async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  const run = `${Date.now()}`;
  const created = await request.post("/api/v1/campaigns", {
    headers: KEY,
    data: {
      name: `Subject test ${run}`,
      channel: "email",
      topic: "newsletter",
      content: { subject: "Spring news", text: "Hello {{ contact.first_name }}, spring is here." },
    },
  });
  expect(created.status()).toBe(200);
  const { id } = (await created.json()) as { id: string };

  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.goto(`/campaigns/${id}`);
  await page.getByRole("tab", { name: "2. Content" }).click();
  const card = page.getByTestId("ab-test-card");
  await card.getByRole("switch", { name: "Test variants of this campaign" }).click();
  await card.getByRole("textbox", { name: "Subject (variant A)", exact: true }).fill("Spring news");
  await card.getByRole("textbox", { name: "Subject (variant B)", exact: true }).fill(`20% off this week ${run}`);
  await card.getByRole("textbox", { name: "Sender name (variant B)", exact: true }).fill("Ada at Acme");
  await card.getByLabel("Test share (%)").fill("30");
  await expectAccessible(page);
  await card.getByRole("button", { name: "Save A/B test" }).click();
  await expect(page.getByText("A/B test saved")).toBeVisible();

  const saved = await request.get(`/api/v1/campaigns/${id}/ab_test`, { headers: KEY });
  expect(saved.status()).toBe(200);
  const body = (await saved.json()) as {
    status: string;
    settings: { share: number; variants: { key: string; subject?: string; senderName?: string }[] };
  };
  expect(body.status).toBe("draft");
  expect(body.settings.share).toBe(30);
  expect(body.settings.variants[1]).toMatchObject({
    key: "B",
    subject: `20% off this week ${run}`,
    senderName: "Ada at Acme",
  });
});

test("set up a send-time A/B test: fixed time against the best hour, with its window", async ({ page, request }) => {
  test.setTimeout(120_000);
  const run = `${Date.now()}`;
  const created = await request.post("/api/v1/campaigns", {
    headers: KEY,
    data: {
      name: `Send-time test ${run}`,
      channel: "email",
      topic: "newsletter",
      content: { subject: "Weekly news", text: "Hello {{ contact.first_name }}, here is the week." },
    },
  });
  expect(created.status()).toBe(200);
  const { id } = (await created.json()) as { id: string };

  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.goto(`/campaigns/${id}`);
  await page.getByRole("tab", { name: "2. Content" }).click();
  const card = page.getByTestId("ab-test-card");
  await card.getByRole("switch", { name: "Test variants of this campaign" }).click();
  await card.getByRole("radio", { name: "Test send time" }).check();
  await expect(card.getByRole("textbox", { name: "Subject (variant A)", exact: true })).toHaveCount(0);
  await card.getByRole("spinbutton", { name: "Best-hour window (hours)" }).fill("12");
  await card.getByRole("spinbutton", { name: "Fallback hour (0–23)" }).fill("9");
  await expectAccessible(page);
  await card.getByRole("button", { name: "Save A/B test" }).click();
  await expect(page.getByText("A/B test saved")).toBeVisible();

  const saved = await request.get(`/api/v1/campaigns/${id}/ab_test`, { headers: KEY });
  expect(saved.status()).toBe(200);
  const body = (await saved.json()) as {
    settings: { variants: { key: string; sendTime?: unknown; subject?: string }[] };
    variants: { label: string }[];
  };
  expect(body.settings.variants).toEqual([
    { key: "A", sendTime: { mode: "fixed" } },
    { key: "B", sendTime: { mode: "best_hour", windowHours: 12, fallbackHour: 9 } },
  ]);
  expect(body.variants.map((v) => v.label)).toEqual(["Fixed time", "Best hour"]);
});
