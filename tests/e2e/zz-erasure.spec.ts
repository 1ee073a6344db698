import fs from "node:fs";
import { expect, test } from "./fixtures";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

test("export a contact's data, erase the contact, see it masked, re-import the address and see it suppressed", async ({
  page,
  request,
}) => {
  const email = `erase.me.${Date.now()}@example.com`;
  const created = await request.post("/api/v1/contacts", {
    headers: KEY,
    data: { email, firstName: "Rosalind", lastName: "Pemberton", tags: ["erasure"] },
  });
  expect(created.status()).toBe(200);
  const { id } = await created.json();
  await request.post(`/api/v1/contacts/${id}/consent`, {
    headers: KEY,
    data: {
      channel: "email",
      topic: "newsletter",
      status: "opted_in",
      source: "form",
      evidence: { ip: "203.0.113.44", text: "Yes, send me the newsletter." },
    },
  });

  await signIn(page);
  await page.goto(`/contacts/${id}`);
  await expect(page.getByRole("heading", { name: "Rosalind Pemberton" })).toBeVisible();

  // Export: the JSON download holds the contact's email and its consent evidence.
  await page.getByRole("button", { name: "Export data" }).click();
  const downloading = page.waitForEvent("download");
  await page.getByRole("menuitem", { name: "Download JSON" }).click();
  const download = await downloading;
  const exported = JSON.parse(fs.readFileSync((await download.path())!, "utf8"));
  expect(exported.format).toBe("optin-manager.contact-export.v1");
  expect(exported.contact.email).toBe(email);
  expect(exported.consentHistory[0].evidence.ip).toBe("203.0.113.44");
  await page.keyboard.press("Escape");

  // Erase: the dialog names the contact and needs the word ERASE.
  await page.getByRole("button", { name: "Erase contact" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("heading", { name: "Erase Rosalind Pemberton?" })).toBeVisible();
  const confirm = dialog.getByRole("button", { name: "Erase contact" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel("Type ERASE to confirm").fill("ERASE");
  await dialog.screenshot({ path: "test-results/screens/contact-erase-dialog.png" });
  await confirm.click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("Erased", { exact: true }).first()).toBeVisible();
  await expect(page.getByTestId("contact-profile")).not.toContainText(email);
  await expect(page.getByTestId("contact-profile")).not.toContainText("Rosalind");
  await expect(page.getByRole("button", { name: "Erase contact" })).toHaveCount(0);
  await page.screenshot({ path: "test-results/screens/contact-erased.png", fullPage: true });

  // The list shows it as erased, without the name or address.
  await page.goto("/contacts");
  const row = page.getByTestId("contact-row").filter({ hasText: "Erased" }).first();
  await expect(row).toBeVisible();
  await expect(page.getByTestId("contact-row").filter({ hasText: email })).toHaveCount(0);

  // Re-import the address with an opt-in: a new contact, the opt-in rejected as suppressed.
  await page.goto("/contacts/import");
  await page.getByLabel("CSV file").setInputFiles({
    name: "returning.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`Email,First name,Consent,Consent date\n${email},Rosalind,yes,2026-01-02\n`),
  });
  await expect(page.getByTestId("import-preview")).toContainText(email);
  await page.getByLabel(/Newsletter/).check();
  await page.getByRole("button", { name: "Start import" }).click();
  await expect(page.getByTestId("import-status-title")).toContainText("Import finished", { timeout: 30_000 });

  const found = await request.get(`/api/v1/contacts?email=${encodeURIComponent(email)}`, { headers: KEY });
  const [back] = (await found.json()).items;
  expect(back.id).not.toBe(id);
  await page.goto(`/contacts/${back.id}`);
  await expect(page.getByTestId("suppressions")).toContainText("Suppressed");

  // A send to it is blocked.
  const send = await request.post("/api/v1/messages/send_with_consent", {
    headers: KEY,
    data: { contactId: back.id, channel: "email", topic: "newsletter", content: { subject: "Hi", text: "Hello" } },
  });
  expect(await send.json()).toMatchObject({ status: "blocked", reason: "suppressed" });
});
