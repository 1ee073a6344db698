import { describe, expect, it } from "vitest";
import { normalizePhone, phoneCountry } from "@/server/lib/addresses";

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
});
