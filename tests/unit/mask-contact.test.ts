import { describe, expect, it } from "vitest";
import { maskContact, maskName, seesFullPii } from "@/server/services/contacts/mask-contact";

const contact = {
  id: "5f8c8f59-5c1a-4f4e-9a39-0d1c2b3a4e5f",
  email: "ann.lee@example.com",
  phone: "+14155554567",
  firstName: "Ann",
  lastName: "Lee",
  tags: ["vip"],
};

describe("maskContact", () => {
  it("masks email to its first letter and domain, phone to country code and last four, names to a first letter", () => {
    expect(maskContact(contact)).toEqual({
      ...contact,
      email: "a•••@example.com",
      phone: "+1 ••• ••• 4567",
      firstName: "A•••",
      lastName: "L•••",
    });
  });

  it("keeps attribute keys but masks their values", () => {
    const masked = maskContact({ ...contact, attributes: { plan: "gold", birthday: "1990-02-03", score: 7 } });
    expect(masked.attributes).toEqual({ plan: "•••", birthday: "•••", score: "•••" });
  });

  it("keeps every other field and does not touch the original", () => {
    const masked = maskContact(contact);
    expect(masked.id).toBe(contact.id);
    expect(masked.tags).toBe(contact.tags);
    expect(contact.email).toBe("ann.lee@example.com");
  });

  it("leaves missing fields null and masks numbers of other countries", () => {
    expect(maskContact({ email: null, phone: "+447700900123", firstName: "  ", lastName: null })).toEqual({
      email: null,
      phone: "+44 ••• ••• 0123",
      firstName: null,
      lastName: null,
    });
  });

  it("never shows more than one character of a name, even with emoji or accents", () => {
    expect(maskName("Émilie")).toBe("É•••");
    expect(maskName("😀 Smile")).toBe("😀•••");
  });
});

describe("who sees full personal data", () => {
  it("viewers see it masked; marketers, admins, owners, API keys and jobs see it in full", () => {
    expect(seesFullPii({ type: "user", userId: "u", role: "viewer" })).toBe(false);
    for (const role of ["marketer", "admin", "owner"] as const)
      expect(seesFullPii({ type: "user", userId: "u", role })).toBe(true);
    expect(seesFullPii({ type: "apiKey", apiKeyId: "k", scopes: ["contacts:read"] })).toBe(true);
    expect(seesFullPii({ type: "system" })).toBe(true);
  });
});
