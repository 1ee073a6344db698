import { describe, expect, it } from "vitest";
import { normalizePhone, normalizePhoneWithCountry, phoneCountry } from "@/server/lib/addresses";

/** `phoneCountry`: the ISO 3166-1 alpha-2 country a segment's `country` field reads first. */
describe("phoneCountry", () => {
  it("answers the country of a number, telling apart countries that share a calling code", () => {
    expect(phoneCountry("+14155550101")).toBe("US");
    expect(phoneCountry("+16135550102")).toBe("CA");
    expect(phoneCountry("+15145550112")).toBe("CA");
    expect(phoneCountry("+442071838750")).toBe("GB");
    expect(phoneCountry("+33612345678")).toBe("FR");
    expect(phoneCountry("+61412345678")).toBe("AU");
  });

  it("reads the stored (normalised) form of a national number", () => {
    const phone = normalizePhone("(613) 555-0102", "US");
    expect(phone.ok && phoneCountry(phone.value)).toBe("CA");
  });

  it("answers nothing for a number of no single country, or for what is not a number", () => {
    expect(phoneCountry("+80012345678")).toBeUndefined();
    expect(phoneCountry("not a phone")).toBeUndefined();
    expect(phoneCountry("")).toBeUndefined();
  });

  it("gives the same country from the parse that normalises the number as from the stored form", () => {
    const inputs: [string, string][] = [
      ["(613) 555-0102", "US"],
      ["415 555 0101", "US"],
      ["+1 514 555 0112", "GB"],
      ["+1 876 555 0199", "US"],
      ["+1 787 555 0123", "US"],
      ["020 7183 8750", "GB"],
      ["06 12 34 56 78", "FR"],
      ["0412 345 678", "AU"],
      ["+7 701 123 4567", "RU"],
      ["8 (912) 345-67-89", "RU"],
      ["+39 06 1234 5678", "IT"],
      ["+800 1234 5678", "US"],
      ["+44 7911 123456", "US"],
      ["+49 1512 3456789", "DE"],
      ["+353 85 123 4567", "IE"],
      ["+27 82 123 4567", "ZA"],
      ["+290 22158", "SH"],
      ["+599 9 123 4567", "CW"],
    ];
    let checked = 0;
    for (const [input, region] of inputs) {
      const withCountry = normalizePhoneWithCountry(input, region);
      const plain = normalizePhone(input, region);
      expect(withCountry.ok).toBe(plain.ok);
      if (!withCountry.ok || !plain.ok) continue;
      expect(withCountry.value).toBe(plain.value);
      expect(withCountry.country).toBe(phoneCountry(plain.value) ?? null);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(15);
    expect(normalizePhoneWithCountry("12", "US")).toEqual({ ok: false, reason: "is not a valid phone number" });
  });
});
