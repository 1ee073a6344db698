import { describe, expect, it } from "vitest";
import { FORM_TOKEN_TTL_MS, issueFormToken, verifyFormToken } from "@/server/lib/form-token";
import { sha256Hex } from "@/server/lib/hashing";
import {
  codeMatches,
  generateCode,
  generateLinkToken,
  hashCode,
  hashLinkToken,
  isWellFormedLinkToken,
  normalizeCode,
} from "@/server/services/confirmations/secrets";

const SECRET = "unit-test-secret-unit-test-secret-0123";
const now = new Date("2026-11-20T12:00:00Z");

describe("form token", () => {
  it("a fresh token of the same form verifies", () => {
    const token = issueFormToken("abcDEF123", now, SECRET);
    expect(verifyFormToken("abcDEF123", token, new Date(now.getTime() + 60_000), SECRET)).toBe("valid");
  });

  it("is bound to the form, the secret and every byte", () => {
    const token = issueFormToken("abcDEF123", now, SECRET);
    expect(verifyFormToken("otherForm1", token, now, SECRET)).toBe("invalid");
    expect(verifyFormToken("abcDEF123", token, now, SECRET + "x")).toBe("invalid");
    const [issuedAt, nonce, mac] = token.split(".");
    expect(verifyFormToken("abcDEF123", `${Number(issuedAt) + 1}.${nonce}.${mac}`, now, SECRET)).toBe("invalid");
    expect(verifyFormToken("abcDEF123", `${issuedAt}.${nonce}x.${mac}`, now, SECRET)).toBe("invalid");
    const flipped = mac!.slice(0, -1) + (mac!.endsWith("a") ? "b" : "a");
    expect(verifyFormToken("abcDEF123", `${issuedAt}.${nonce}.${flipped}`, now, SECRET)).toBe("invalid");
    expect(verifyFormToken("abcDEF123", "garbage", now, SECRET)).toBe("invalid");
    expect(verifyFormToken("abcDEF123", "", now, SECRET)).toBe("missing");
    expect(verifyFormToken("abcDEF123", undefined, now, SECRET)).toBe("missing");
  });

  it("expires after its lifetime and refuses tokens from the far future", () => {
    const token = issueFormToken("abcDEF123", now, SECRET);
    expect(verifyFormToken("abcDEF123", token, new Date(now.getTime() + FORM_TOKEN_TTL_MS), SECRET)).toBe("valid");
    expect(verifyFormToken("abcDEF123", token, new Date(now.getTime() + FORM_TOKEN_TTL_MS + 1), SECRET)).toBe(
      "expired",
    );
    expect(verifyFormToken("abcDEF123", token, new Date(now.getTime() - 60 * 60_000), SECRET)).toBe("expired");
  });

  it("two tokens for the same form differ (random nonce)", () => {
    expect(issueFormToken("abcDEF123", now, SECRET)).not.toBe(issueFormToken("abcDEF123", now, SECRET));
  });
});

describe("confirmation secrets", () => {
  it("link tokens are 32 random bytes, stored as their SHA-256", () => {
    const { token, hash } = generateLinkToken();
    expect(isWellFormedLinkToken(token)).toBe(true);
    expect(hash).toBe(sha256Hex(token));
    expect(hashLinkToken(token)).toBe(hash);
    expect(generateLinkToken().token).not.toBe(token);
    expect(isWellFormedLinkToken("short")).toBe(false);
  });

  it("codes are 6 digits, leading zeros kept, roughly uniform", () => {
    const codes = Array.from({ length: 2000 }, generateCode);
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    expect(new Set(codes).size).toBeGreaterThan(1990);
    const firstDigits = new Set(codes.map((c) => c[0]));
    expect(firstDigits.has("0")).toBe(true);
  });

  it("codes are salted with the confirmation id and compared after normalising spaces and dashes", () => {
    const id = "6f1c1c2e-8b1a-4d2e-9c11-0a0b0c0d0e0f";
    const stored = hashCode(id, "012345");
    expect(stored).toBe(sha256Hex(id + "012345"));
    expect(hashCode("7f1c1c2e-8b1a-4d2e-9c11-0a0b0c0d0e0f", "012345")).not.toBe(stored);
    expect(codeMatches(id, "012345", stored)).toBe(true);
    expect(codeMatches(id, " 012 345 ", stored)).toBe(true);
    expect(codeMatches(id, "012-345", stored)).toBe(true);
    expect(codeMatches(id, "012346", stored)).toBe(false);
    expect(codeMatches(id, "12345", stored)).toBe(false);
    expect(codeMatches(id, "------", stored)).toBe(false);
    expect(normalizeCode("abc123")).toBeNull();
  });
});
