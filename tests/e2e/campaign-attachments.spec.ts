import { expect, expectAccessible, test } from "./fixtures";
import { E2E_ADMIN_API_KEY, signIn } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

test("attach a small file to an email campaign in the editor, see it listed, remove it", async ({ page, request }) => {
  test.setTimeout(120_000);
  const run = `${Date.now()}`;
  const created = await request.post("/api/v1/campaigns", {
    headers: KEY,
    data: {
      name: `Catalogue ${run}`,
      channel: "email",
      topic: "newsletter",
      content: { subject: "Our catalogue", text: "Hello {{ contact.first_name }}, the catalogue is attached." },
    },
  });
  expect(created.status()).toBe(200);
  const { id } = (await created.json()) as { id: string };

  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page);
  await page.goto(`/campaigns/${id}`);
  await page.getByRole("tab", { name: "2. Content" }).click();
  const card = page.getByTestId("campaign-attachments");
  await expect(card.getByText("Attachments on bulk email hurt deliverability")).toBeVisible();
  await expect(card.getByText("No files yet.")).toBeVisible();

  await card.getByLabel("Attach a file").setInputFiles({
    name: `price-list-${run}.txt`,
    mimeType: "text/plain",
    buffer: Buffer.from("Apples 1.20\nPears 1.50\n"),
  });
  const list = card.getByTestId("attachment-list");
  await expect(list.getByText(`price-list-${run}.txt`)).toBeVisible();
  await expect(card.getByTestId("attachments-used")).toContainText("23 bytes of 5 MB used · 1 of 10 files");
  await card.screenshot({ path: "test-results/screens/campaign-attachments-card.png" });

  // A program is refused before it leaves the browser.
  await card.getByLabel("Attach a file").setInputFiles({
    name: "setup.exe",
    mimeType: "application/octet-stream",
    buffer: Buffer.from("MZ"),
  });
  await expect(card.getByRole("alert")).toContainText(".exe cannot be attached");
  await expectAccessible(page);

  await card.getByRole("button", { name: `Remove price-list-${run}.txt` }).click();
  await expect(card.getByText("No files yet.")).toBeVisible();
});
