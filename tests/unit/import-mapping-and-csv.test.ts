import { describe, expect, it } from "vitest";
import {
  csvCell,
  csvLine,
  escapeFormula,
  normalizeHeader,
  suggestMapping,
  unescapeFormulaCell,
} from "@/server/services/imports/csv-values";
import { previewCsv } from "@/server/services/imports/preview-csv";

describe("mapping suggestions", () => {
  it("matches common header spellings and keeps the rest as attributes", () => {
    const suggestion = suggestMapping([
      "E-mail",
      "Mobile Number",
      "First Name",
      "surname",
      "Time Zone",
      "Opt-in",
      "Consent Date",
      "Source",
      "Plan",
    ]);
    expect(suggestion.fields).toEqual({
      email: "E-mail",
      phone: "Mobile Number",
      firstName: "First Name",
      lastName: "surname",
      timezone: "Time Zone",
      consentStatus: "Opt-in",
      consentAt: "Consent Date",
      consentSource: "Source",
    });
    expect(suggestion.attributes).toEqual({ Plan: "plan" });
  });

  it("uses each column once", () => {
    expect(suggestMapping(["phone", "mobile"]).fields).toEqual({ phone: "phone" });
    expect(suggestMapping(["phone", "mobile"]).attributes).toEqual({ mobile: "mobile" });
  });

  it("normalises headers", () => {
    expect(normalizeHeader("  E-Mail Address ")).toBe("e_mail_address");
  });
});

describe("CSV preview", () => {
  it("returns headers, at most 10 rows and the suggestion; drops a cut last line", () => {
    const lines = [
      "email;phone;plan",
      ...Array.from({ length: 12 }, (_, i) => `u${i}@x.io;+1415555${String(i).padStart(4, "0")};gold`),
    ];
    const preview = previewCsv({ input: { text: `${lines.join("\n")}\nu99@x.i`, truncated: true } });
    expect(preview.delimiter).toBe(";");
    expect(preview.headers).toEqual(["email", "phone", "plan"]);
    expect(preview.rows).toHaveLength(10);
    expect(preview.suggestedMapping.fields).toEqual({ email: "email", phone: "phone" });
  });
});

describe("formula-injection escaping", () => {
  it.each(["=1+1", "+14155552671", "-5", "@SUM(A1)", "\tx", "\rx"])("prefixes %j with an apostrophe", (value) => {
    expect(escapeFormula(value)).toBe(`'${value}`);
    expect(unescapeFormulaCell(escapeFormula(value))).toBe(value);
  });

  it("leaves ordinary values alone", () => {
    expect(escapeFormula("ann@example.com")).toBe("ann@example.com");
    expect(escapeFormula("'quoted")).toBe("'quoted");
    expect(unescapeFormulaCell("'quoted")).toBe("'quoted");
  });

  it("quotes after escaping", () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvLine(["a,b", null, 3])).toBe('"a,b",,3\r\n');
  });
});
