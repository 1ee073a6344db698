import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "@/server/lib/canonical-json";

describe("canonicalJson", () => {
  it("sorts keys at every level by code unit, whatever the insertion order", () => {
    const a = { b: 1, a: { d: [1, "x", { z: true, Y: null }], c: null }, B: "upper" };
    const b = { B: "upper", a: { c: null, d: [1, "x", { Y: null, z: true }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"B":"upper","a":{"c":null,"d":[1,"x",{"Y":null,"z":true}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it("drops undefined keys, writes undefined array items and top-level undefined as null, dates as ISO strings", () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 2] })).toBe('{"b":[null,2]}');
    expect(canonicalJson(undefined)).toBe("null");
    expect(canonicalJson({ at: new Date("2026-01-02T03:04:05.000Z") })).toBe('{"at":"2026-01-02T03:04:05.000Z"}');
  });

  it("equals JSON.stringify for scalars and escapes keys and strings the same way", () => {
    for (const value of [0, -1.5, 'a"b\\c\u2028', true, null]) expect(canonicalJson(value)).toBe(JSON.stringify(value));
    expect(canonicalJson({ 'k"ey': "v" })).toBe('{"k\\"ey":"v"}');
  });

  it("keeps the exact bytes stored hashes were computed from (audit rows, request hashes)", () => {
    // A jsonb round trip reorders keys; the hash of the canonical form must not move.
    const row = {
      workspaceId: "w1",
      action: "contact.created",
      after: { email: "m•••@example.com", tags: ["a", "b"] },
      before: null,
    };
    const hash = createHash("sha256").update(canonicalJson(row)).digest("hex");
    const roundTripped = JSON.parse(
      JSON.stringify({
        before: null,
        after: { tags: ["a", "b"], email: "m•••@example.com" },
        action: "contact.created",
        workspaceId: "w1",
      }),
    );
    expect(createHash("sha256").update(canonicalJson(roundTripped)).digest("hex")).toBe(hash);
    expect(canonicalJson(row)).toBe(
      '{"action":"contact.created","after":{"email":"m•••@example.com","tags":["a","b"]},"before":null,"workspaceId":"w1"}',
    );
  });
});
