import { describe, expect, it } from "vitest";
import { createTokenCodec, type UnsubscribeClaims } from "@/server/lib/tokens";

const SECRET = "unit-test-app-secret-unit-test-app-secret-0123";
const codec = createTokenCodec(SECRET);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const unsubscribe: UnsubscribeClaims = {
  workspaceId: "0b6f3c1e-8d2a-4f57-9a1b-2c3d4e5f6a7b",
  contactId: "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
  channel: "email",
  topicId: "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f",
};

describe("link tokens", () => {
  it("round-trips unsubscribe claims, with and without a message id, and never expires by default", () => {
    const token = codec.sign("unsubscribe", unsubscribe);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThan(100);
    expect(codec.verify("unsubscribe", token, { now: new Date("2090-01-01T00:00:00Z") })).toEqual({
      ...unsubscribe,
      expiresAt: null,
    });

    const withMessage = codec.sign("unsubscribe", {
      ...unsubscribe,
      channel: "sms",
      messageId: "11111111-2222-4333-8444-555555555555",
    });
    expect(codec.verify("unsubscribe", withMessage)).toEqual({
      ...unsubscribe,
      channel: "sms",
      messageId: "11111111-2222-4333-8444-555555555555",
      expiresAt: null,
    });
  });

  it("round-trips preference claims; preference links expire after 90 days by default", () => {
    const now = new Date("2030-03-01T12:00:00Z");
    const token = codec.sign(
      "preferences",
      { workspaceId: unsubscribe.workspaceId, contactId: unsubscribe.contactId, channel: "email" },
      { now },
    );
    const claims = codec.verify("preferences", token, { now });
    expect(claims).toEqual({
      workspaceId: unsubscribe.workspaceId,
      contactId: unsubscribe.contactId,
      channel: "email",
      expiresAt: new Date("2030-05-30T12:00:00Z"),
    });
    const noChannel = codec.sign(
      "preferences",
      { workspaceId: unsubscribe.workspaceId, contactId: unsubscribe.contactId },
      { now },
    );
    expect(codec.verify("preferences", noChannel, { now })).not.toHaveProperty("channel");
  });

  it("normalises upper-case UUIDs and refuses malformed claims when signing", () => {
    const token = codec.sign("unsubscribe", { ...unsubscribe, contactId: unsubscribe.contactId.toUpperCase() });
    expect(codec.verify("unsubscribe", token)?.contactId).toBe(unsubscribe.contactId);
    expect(() => codec.sign("unsubscribe", { ...unsubscribe, topicId: "newsletter" })).toThrow(TypeError);
    expect(() => codec.sign("unsubscribe", { ...unsubscribe, channel: "fax" as never })).toThrow(TypeError);
  });

  it("a token of one purpose is refused for the other", () => {
    const unsubscribeToken = codec.sign("unsubscribe", unsubscribe);
    const preferencesToken = codec.sign("preferences", {
      workspaceId: unsubscribe.workspaceId,
      contactId: unsubscribe.contactId,
    });
    expect(codec.verify("preferences", unsubscribeToken)).toBeNull();
    expect(codec.verify("unsubscribe", preferencesToken)).toBeNull();
  });

  it.each([
    ["unsubscribe", codec.sign("unsubscribe", unsubscribe)],
    ["unsubscribe", codec.sign("unsubscribe", { ...unsubscribe, messageId: "11111111-2222-4333-8444-555555555555" })],
    // 56 bytes: the last character carries unused bits, so only a strict decoder refuses every change.
    [
      "preferences",
      codec.sign("preferences", {
        workspaceId: unsubscribe.workspaceId,
        contactId: unsubscribe.contactId,
        channel: "email",
      }),
    ],
  ] as const)("refuses every single-character alteration at every position (%s, %#)", (purpose, token) => {
    expect(codec.verify(purpose, token)).not.toBeNull();
    let tried = 0;
    for (let position = 0; position < token.length; position++) {
      for (const replacement of ALPHABET) {
        if (replacement === token[position]) continue;
        const altered = token.slice(0, position) + replacement + token.slice(position + 1);
        expect(codec.verify(purpose, altered), `position ${position} → ${replacement}`).toBeNull();
        tried++;
      }
    }
    expect(tried).toBe(token.length * (ALPHABET.length - 1));
  });

  it("refuses every single-bit flip of the decoded bytes, truncation, extension and junk", () => {
    const token = codec.sign("preferences", {
      workspaceId: unsubscribe.workspaceId,
      contactId: unsubscribe.contactId,
      channel: "sms",
    });
    const bytes = Buffer.from(token, "base64url");
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const altered = Buffer.from(bytes);
        altered[i] = altered[i]! ^ (1 << bit);
        expect(codec.verify("preferences", altered.toString("base64url")), `byte ${i} bit ${bit}`).toBeNull();
      }
    }
    expect(codec.verify("preferences", token.slice(0, -1))).toBeNull();
    expect(codec.verify("preferences", token.slice(1))).toBeNull();
    expect(codec.verify("preferences", `${token}A`)).toBeNull();
    expect(codec.verify("preferences", Buffer.concat([bytes, Buffer.from([0])]).toString("base64url"))).toBeNull();
    expect(codec.verify("preferences", `${token}=`)).toBeNull();
    expect(codec.verify("preferences", "")).toBeNull();
    expect(codec.verify("preferences", "not a token")).toBeNull();
    expect(codec.verify("preferences", "x".repeat(10_000))).toBeNull();
  });

  it("refuses a token signed with another secret", () => {
    const foreign = createTokenCodec("another-secret-another-secret-another-secret").sign("unsubscribe", unsubscribe);
    expect(codec.verify("unsubscribe", foreign)).toBeNull();
    expect(
      createTokenCodec("another-secret-another-secret-another-secret").verify("unsubscribe", foreign),
    ).not.toBeNull();
  });

  it("honours expiry: valid until the instant it expires, refused from then on", () => {
    const expiresAt = new Date("2031-01-01T00:00:00Z");
    const token = codec.sign("unsubscribe", unsubscribe, { expiresAt });
    expect(codec.verify("unsubscribe", token, { now: new Date("2030-12-31T23:59:59Z") })?.expiresAt).toEqual(expiresAt);
    expect(codec.verify("unsubscribe", token, { now: expiresAt })).toBeNull();
    expect(codec.verify("unsubscribe", token, { now: new Date("2032-01-01T00:00:00Z") })).toBeNull();

    const now = new Date("2030-01-01T00:00:00Z");
    const preferences = codec.sign(
      "preferences",
      { workspaceId: unsubscribe.workspaceId, contactId: unsubscribe.contactId },
      { now },
    );
    expect(codec.verify("preferences", preferences, { now: new Date(now.getTime() + 89 * 86_400_000) })).not.toBeNull();
    expect(codec.verify("preferences", preferences, { now: new Date(now.getTime() + 90 * 86_400_000) })).toBeNull();
    const forever = codec.sign(
      "preferences",
      { workspaceId: unsubscribe.workspaceId, contactId: unsubscribe.contactId },
      { now, expiresAt: null },
    );
    expect(codec.verify("preferences", forever, { now: new Date("2099-01-01T00:00:00Z") })?.expiresAt).toBeNull();
  });
});
