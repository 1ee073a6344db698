import { describe, expect, it } from "vitest";
import { createResourceTokenCodec, type ResourceClaims } from "@/server/lib/resource-tokens";
import { createTokenCodec } from "@/server/lib/tokens";

const SECRET = "unit-test-app-secret-unit-test-app-secret-0123";
const codec = createResourceTokenCodec(SECRET);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const claims: ResourceClaims = {
  workspaceId: "0b6f3c1e-8d2a-4f57-9a1b-2c3d4e5f6a7b",
  id: "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
};

describe("resource tokens (file downloads, web versions)", () => {
  it("round-trip their claims, compactly, and never expire", () => {
    for (const kind of ["file", "web_version"] as const) {
      const token = codec.sign(kind, claims);
      expect(token).toMatch(/^[A-Za-z0-9_-]{67}$/);
      expect(codec.verify(kind, token)).toEqual(claims);
    }
  });

  it("refuse every single-character change, truncation and extension", () => {
    const token = codec.sign("file", claims);
    for (let i = 0; i < token.length; i++) {
      for (const c of [
        ALPHABET[(ALPHABET.indexOf(token[i]!) + 1) % 64]!,
        ALPHABET[(ALPHABET.indexOf(token[i]!) + 32) % 64]!,
      ]) {
        const altered = `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
        expect(codec.verify("file", altered), `position ${i}`).toBeNull();
      }
    }
    expect(codec.verify("file", token.slice(0, -1))).toBeNull();
    expect(codec.verify("file", `${token}A`)).toBeNull();
    expect(codec.verify("file", "")).toBeNull();
    expect(codec.verify("file", "not/a+token=")).toBeNull();
    expect(codec.verify("file", "A".repeat(500))).toBeNull();
  });

  it("are bound to their kind and their secret", () => {
    expect(codec.verify("web_version", codec.sign("file", claims))).toBeNull();
    expect(codec.verify("file", codec.sign("web_version", claims))).toBeNull();
    expect(createResourceTokenCodec(`${SECRET}-other`).verify("file", codec.sign("file", claims))).toBeNull();
    // A contact link token of the same secret is not a resource token either.
    const unsubscribe = createTokenCodec(SECRET).sign("unsubscribe", {
      workspaceId: claims.workspaceId,
      contactId: claims.id,
      channel: "email",
      topicId: claims.id,
    });
    expect(codec.verify("file", unsubscribe)).toBeNull();
  });

  it("refuse malformed claims when signing (a bug, not input)", () => {
    expect(() => codec.sign("file", { ...claims, id: "nope" })).toThrow(TypeError);
    expect(() => createResourceTokenCodec("")).toThrow(TypeError);
  });
});
