import { expect, test } from "./fixtures";
import { signIn } from "./helpers";

// Nothing here creates an import: import.spec.ts expects an empty history.

/** The first bytes of a PNG file (signature and the start of its header chunk). */
const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00,
]);

test("a PNG dropped on the import is refused in words, and Start says why it is disabled", async ({ page }) => {
  await signIn(page);
  await page.goto("/contacts/import");
  await expect(page.getByRole("heading", { name: "Import contacts" })).toBeVisible();

  // Before any file: Start is disabled and says so.
  const start = page.getByRole("button", { name: "Start import" });
  await expect(start).toBeDisabled();
  await expect(page.getByTestId("import-start-reason")).toHaveText("Choose a CSV file to start.");

  // Dropped like a file from the desktop.
  const dataTransfer = await page.evaluateHandle(
    (bytes) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], "photo.png", { type: "image/png" }));
      return transfer;
    },
    [...PNG],
  );
  await page.locator('label[for="import-file"]').dispatchEvent("drop", { dataTransfer });

  const error = page.getByTestId("import-file-error");
  await expect(error).toContainText("This file is not a CSV: it looks like a PNG image.");
  await expect(error).toContainText("Export your list as CSV (comma-separated) and try again.");
  await expect(error).not.toContainText("{");
  await expect(page.getByText("Chosen: photo.png")).toBeVisible();
  await expect(start).toBeDisabled();
  await expect(page.getByTestId("import-start-reason")).toHaveText(
    "The chosen file is not a CSV. Choose another file to start.",
  );
  await expect(start).toHaveAttribute("aria-describedby", /.+/);
  // No preview was made of it.
  await expect(page.getByTestId("import-preview")).toHaveCount(0);
  await page.screenshot({ path: "test-results/screens/import-not-csv.png", fullPage: true });

  // A PDF chosen with the file picker says what it looks like too.
  await page.getByLabel("CSV file").setInputFiles({
    name: "list.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
  });
  await expect(error).toContainText("it looks like a PDF document");
});

test("a CSV with a very long cell still previews its rows, the cell cut short", async ({ page }) => {
  await signIn(page);
  await page.goto("/contacts/import");
  const long = "Lorem ipsum dolor sit amet ".repeat(4_000); // ~108 KB: longer than the preview sample
  const csv = ["Email,First name,Notes", `zoe.long@example.com,Zoe,"${long}"`, "max.short@example.com,Max,short"].join(
    "\n",
  );
  await page
    .getByLabel("CSV file")
    .setInputFiles({ name: "long-cell.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });

  const preview = page.getByTestId("import-preview");
  await expect(preview).toContainText("zoe.long@example.com");
  await expect(page.getByText("first 0 rows")).toHaveCount(0);
  await expect(page.getByText(/The first (row|\d+ rows) as we read/)).toBeVisible();
  const cell = preview.locator("tbody tr").first().locator("td").nth(2).locator("span");
  await expect(cell).toHaveAttribute("title", /^Lorem ipsum dolor sit amet/);
  await expect(cell).toHaveCSS("text-overflow", "ellipsis");
  const width = await cell.evaluate((element) => element.getBoundingClientRect().width);
  expect(width).toBeLessThan(400);
  await page.screenshot({ path: "test-results/screens/import-long-cell.png", fullPage: true });

  // Email is mapped, so Start is available; nothing is started here.
  await expect(page.getByRole("button", { name: "Start import" })).toBeEnabled();
  await expect(page.getByTestId("import-start-reason")).toHaveCount(0);
});

test("a consent column without a topic: Start is disabled and the topics say what is missing", async ({ page }) => {
  await signIn(page);
  await page.goto("/contacts/import");
  const csv = ["Email,Consent,Consent date", "ann.topic@example.com,yes,2026-01-15T10:00:00Z"].join("\n");
  await page
    .getByLabel("CSV file")
    .setInputFiles({ name: "consent.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await expect(page.getByLabel("Consent status")).toHaveText("Consent");

  const start = page.getByRole("button", { name: "Start import" });
  await expect(start).toBeDisabled();
  await expect(page.getByTestId("import-start-reason")).toHaveText("Choose at least one topic for the consent column.");
  await expect(page.getByRole("group", { name: "Topics" })).toContainText("Choose at least one topic");

  await page.getByLabel(/Newsletter/).check();
  await expect(start).toBeEnabled();

  // Without the email column there is nobody to import.
  await page.getByRole("combobox", { name: "Email", exact: true }).click();
  await page.getByRole("option", { name: "— Not imported —" }).click();
  await expect(start).toBeDisabled();
  await expect(page.getByTestId("import-start-reason")).toHaveText("Map a column to Email or Phone to start.");
});
