import { describe, expect, it } from "vitest";
import { buildColumnIndex, validateRecord } from "@/server/services/imports/prepare-rows";
import {
  controlCharacterMessage,
  findControlCharacter,
  hasControlCharacter,
  ZMultiLine,
  ZSingleLine,
} from "@/server/lib/text";

describe("control characters", () => {
  it("a one-line field refuses every C0 control character and DEL, tab and line breaks included", () => {
    for (let code = 0; code <= 0x1f; code++)
      expect(hasControlCharacter(`a${String.fromCharCode(code)}b`), `U+${code.toString(16)}`).toBe(true);
    expect(hasControlCharacter("a\u007fb")).toBe(true);
    expect(hasControlCharacter("Zoë O'Brien – café ☕")).toBe(false);
  });

  it("a multi-line field allows tab, CR and LF and nothing else", () => {
    expect(hasControlCharacter("line one\r\nline two\tend", { multiLine: true })).toBe(false);
    expect(hasControlCharacter("a\u0000b", { multiLine: true })).toBe(true);
    expect(hasControlCharacter("a\u000bb", { multiLine: true })).toBe(true);
    expect(hasControlCharacter("a\u007fb", { multiLine: true })).toBe(true);
  });

  it("ZSingleLine and ZMultiLine say the same as the checks", () => {
    expect(ZSingleLine.safeParse("Ada").success).toBe(true);
    expect(ZSingleLine.safeParse("Ada\nLovelace").success).toBe(false);
    expect(ZMultiLine.safeParse("Ada\nLovelace").success).toBe(true);
    expect(ZMultiLine.safeParse("Ada\u0000").success).toBe(false);
  });
});

describe("findControlCharacter", () => {
  it("names the first offending field by its path, through objects and arrays", () => {
    expect(findControlCharacter({ email: "a@example.com", firstName: "Ada\u0000" })).toBe("firstName");
    expect(findControlCharacter({ recipients: [{ email: "ok@example.com" }, { email: "x@example.com\r\n" }] })).toBe(
      "recipients[1].email",
    );
    expect(findControlCharacter("bare\u0007")).toBe("input");
    expect(controlCharacterMessage("firstName")).toBe("firstName contains a control character");
  });

  it("allows lines in multi-line fields and inside free-form containers only", () => {
    expect(findControlCharacter({ content: { subject: "Hi", text: "Hello\n\nBye", html: "<p>\tHi</p>" } })).toBeNull();
    expect(findControlCharacter({ content: { subject: "Hi\nBcc: x@y.z" } })).toBe("content.subject");
    expect(findControlCharacter({ variables: { address: "1 Main St\nSpringfield" } })).toBeNull();
    expect(findControlCharacter({ variables: { address: "1 Main St\u0000" } })).toBe("variables.address");
    expect(findControlCharacter({ name: "Summer\tsale" })).toBe("name");
  });

  it("checks object keys and ignores non-strings and non-plain objects", () => {
    expect(findControlCharacter({ attributes: { "plan\u0000": "gold" } })).toBe("attributes");
    expect(findControlCharacter({ at: new Date(), count: 3, ok: true, none: null })).toBeNull();
  });
});

describe("CSV import cells", () => {
  const columns = buildColumnIndex(["Email", "First", "plan"], {
    email: "Email",
    firstName: "First",
    attributes: { plan: "plan" },
  });
  const validate = (cells: string[]) =>
    validateRecord({ line: 2, cells }, columns, { region: "US", now: new Date("2026-06-01T00:00:00Z") });

  it("a name with a control character is rejected with its column; an attribute may hold lines but not NUL", () => {
    expect(validate(["a@example.com", "Ada\u0007", ""])).toEqual({
      ok: false,
      problems: [{ line: 2, column: "First", reason: "contains a control character" }],
    });
    expect(validate(["a@example.com", "Ada", "line one\nline two"]).ok).toBe(true);
    expect(validate(["a@example.com", "Ada", "gold\u0000"])).toEqual({
      ok: false,
      problems: [{ line: 2, column: "plan", reason: "contains a control character" }],
    });
  });

  it("an address cell is normalised like every other address (zero-width removed, trailing dot dropped)", () => {
    expect(validate(["vic\u200btim@Example.com.", "", ""])).toMatchObject({
      ok: true,
      row: { email: "victim@example.com" },
    });
  });
});
