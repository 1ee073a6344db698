import { describe, expect, it } from "vitest";
import { emailLookupKey, normalizeEmail, normalizePhone } from "@/server/lib/addresses";

const value = (input: string) => {
  const result = normalizeEmail(input);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.value;
};

describe("email normalisation before hashing", () => {
  it("removes zero-width characters, so a look-alike is the same address", () => {
    for (const zw of ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]) {
      expect(value(`victim${zw}@example.com`), `U+${zw.charCodeAt(0).toString(16)}`).toBe("victim@example.com");
    }
    expect(value("vic\u200btim@exa\u200dmple.com")).toBe("victim@example.com");
  });

  it("drops a trailing dot on the domain and lower-cases it", () => {
    expect(value("Ann@Example.COM.")).toBe("Ann@example.com");
    expect(emailLookupKey(value("Ann@Example.COM."))).toBe(emailLookupKey(value("ann@example.com")));
  });

  it("composes to NFC, so a decomposed accent is the same address", () => {
    expect(value("jose\u0301@example.com")).toBe("jos\u00e9@example.com");
  });

  it("refuses bidirectional overrides, isolates and marks", () => {
    for (const bidi of [
      "\u202a",
      "\u202b",
      "\u202c",
      "\u202d",
      "\u202e",
      "\u2066",
      "\u2067",
      "\u2068",
      "\u2069",
      "\u200e",
      "\u200f",
    ]) {
      const result = normalizeEmail(`victim@example.com${bidi}`);
      expect(result, `U+${bidi.charCodeAt(0).toString(16)}`).toEqual({
        ok: false,
        reason: "contains a bidirectional control character",
      });
    }
  });

  it("still refuses line breaks, NUL and shapes that are not an address", () => {
    expect(normalizeEmail("a@b.com\r\nBcc: x@y.z").ok).toBe(false);
    expect(normalizeEmail("a@example.").ok).toBe(false);
    expect(normalizeEmail("\u200b@example.com").ok).toBe(false);
  });
});

describe("phone normalisation", () => {
  it("removes zero-width characters and refuses bidi controls", () => {
    expect(normalizePhone("+1 415\u200b 555 2671", "US")).toEqual({ ok: true, value: "+14155552671" });
    expect(normalizePhone("\u202e+14155552671", "US")).toEqual({
      ok: false,
      reason: "contains a bidirectional control character",
    });
  });
});
