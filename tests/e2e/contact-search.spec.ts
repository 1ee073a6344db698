import { expect, test } from "./fixtures";
import { signIn, E2E_ADMIN_API_KEY } from "./helpers";

const KEY = { authorization: `Bearer ${E2E_ADMIN_API_KEY}` };

/**
 * Three of the people contacts.spec.ts seeds, with the same addresses, names, phones and tags: an
 * upsert of the same person changes nothing, so whichever spec runs first, the default workspace
 * holds the contacts the other one counts.
 */
const PEOPLE = [
  {
    firstName: "Ava",
    lastName: "Thompson",
    email: "ava.thompson@example.com",
    phone: "+1 212 555 0148",
    tags: ["customer", "vip"],
  },
  {
    firstName: "Lukas",
    lastName: "Müller",
    email: "lukas.mueller@example.net",
    phone: "+49 151 23456789",
    tags: ["trial"],
  },
  { firstName: "Chloé", lastName: "Dubois", email: "chloe.dubois@example.org", tags: ["customer"] },
];

test("find contacts in the list by first name, full name and the start of an email address", async ({
  page,
  request,
}) => {
  for (const person of PEOPLE) {
    const res = await request.post("/api/v1/contacts", { headers: KEY, data: person });
    expect(res.status()).toBe(200);
  }
  await signIn(page);
  await page.goto("/contacts");
  const search = page.getByRole("searchbox", { name: "Find a contact by name, email or phone" });
  await expect(search).toBeVisible();
  const rows = page.getByTestId("contact-row");
  const run = async (text: string) => {
    await search.fill(text);
    await page.getByRole("button", { name: "Search", exact: true }).click();
  };

  // A first name.
  await run("Ava");
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("Ava Thompson");

  // Without its accent, in another case.
  await run("CHLOE");
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("Chloé Dubois");

  // First and last name: both words must match.
  await run("lukas müller");
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("Lukas Müller");
  await run("lukas dubois");
  await expect(page.getByText("No contacts match")).toBeVisible();
  await expect(rows).toHaveCount(0);

  // The start of an email address.
  await run("ava.th");
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("ava.thompson@example.com");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: "test-results/screens/contact-search-1280.png", fullPage: true });

  // Clearing the box shows everyone again.
  await search.fill("");
  await expect(rows.filter({ hasText: "Lukas Müller" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "Ava Thompson" })).toHaveCount(1);
});
