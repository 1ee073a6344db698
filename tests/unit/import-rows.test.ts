import { describe, expect, it } from "vitest";
import { keyRingFrom, decryptPii, blindIndex } from "@/server/lib/crypto";
import { AddressSeenMap } from "@/server/services/imports/address-seen-map";
import {
  parseConsentDate,
  parseConsentStatus,
  parseTags,
  detectDelimiter,
  isValidTimezone,
} from "@/server/services/imports/csv-values";
import { BlindIndexer, PiiBatchEncryptor } from "@/server/services/imports/pii-batch";
import { buildColumnIndex, prepareBatch, validateRecord } from "@/server/services/imports/prepare-rows";

process.env.APP_SECRET ??= "unit-app-secret-unit-app-secret-0123456789";
process.env.ENCRYPTION_KEYS ??= `u1:${Buffer.alloc(32, 3).toString("base64")}`;

const headers = ["Email", "Phone", "First", "tz", "consent", "consent_at", "source", "plan"];
const columns = buildColumnIndex(headers, {
  email: "Email",
  phone: "Phone",
  firstName: "First",
  timezone: "tz",
  consentStatus: "consent",
  consentAt: "consent_at",
  consentSource: "source",
  attributes: { plan: "plan" },
});
const now = new Date("2026-06-01T00:00:00Z");
const validate = (cells: string[], line = 2) => validateRecord({ line, cells }, columns, { region: "US", now });

describe("import row validation", () => {
  it("normalises email (domain lower-cased) and phone (E.164 in the workspace region)", () => {
    const result = validate([
      " Ann.Lee@Example.COM ",
      "(415) 555-2671",
      "Ann",
      "Europe/Paris",
      "yes",
      "2026-05-01",
      "fair",
      "gold",
    ]);
    expect(result).toEqual({
      ok: true,
      row: expect.objectContaining({
        email: "Ann.Lee@example.com",
        phone: "+14155552671",
        firstName: "Ann",
        timezone: "Europe/Paris",
        consent: "opted_in",
        consentAt: new Date("2026-05-01T00:00:00Z"),
        consentNote: "fair",
        attributes: { plan: "gold" },
      }),
    });
  });

  it("reports every problem of a row with its line and column, never the value", () => {
    const result = validate(["bad@", "12", "", "Mars/Base", "perhaps", "yesterday", "", ""], 17);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [17, "Email"],
      [17, "Phone"],
      [17, "tz"],
      [17, "consent"],
      [17, "consent_at"],
    ]);
    expect(JSON.stringify(problems)).not.toMatch(/bad@|Mars|perhaps|yesterday/);
  });

  it("needs an email or a phone", () => {
    expect(validate(["", "", "Nobody", "", "", "", "", ""])).toMatchObject({
      ok: false,
      problems: [{ reason: "row has no email or phone" }],
    });
  });

  it("refuses an opt-in without a date (it could not be ordered against an opt-out) and dates in the future", () => {
    expect(validate(["a@b.co", "", "", "", "opted_in", "", "", ""])).toMatchObject({
      ok: false,
      problems: [{ column: "consent_at" }],
    });
    expect(validate(["a@b.co", "", "", "", "no", "", "", ""])).toMatchObject({
      ok: true,
      row: { consent: "opted_out", consentAt: null },
    });
    expect(validate(["a@b.co", "", "", "", "yes", "2027-01-01", "", ""])).toMatchObject({
      ok: false,
      problems: [{ reason: "consent date is in the future" }],
    });
  });

  it("strips the apostrophe our export adds before formula characters", () => {
    expect(validate(["a@b.co", "'+14155552671", "'-Ann", "", "", "", "", ""])).toMatchObject({
      ok: true,
      row: { phone: "+14155552671", firstName: "-Ann" },
    });
  });

  it("names a missing mapped column", () => {
    expect(() => buildColumnIndex(["email"], { email: "E-mail" })).toThrow(/no column named "E-mail"/);
  });
});

describe("consent values, dates, tags, delimiters", () => {
  it.each([
    ["opted_in", "opted_in"],
    ["Yes", "opted_in"],
    ["TRUE", "opted_in"],
    ["1", "opted_in"],
    ["subscribed", "opted_in"],
    ["opted_out", "opted_out"],
    ["no", "opted_out"],
    ["false", "opted_out"],
    ["0", "opted_out"],
    ["Unsubscribed", "opted_out"],
    ["", null],
    ["maybe", undefined],
  ])("%j → %j", (input, expected) => {
    expect(parseConsentStatus(input)).toBe(expected);
  });

  it("reads ISO dates as UTC unless they carry an offset, and epoch seconds/milliseconds", () => {
    expect(parseConsentDate("2024-03-01")?.toISOString()).toBe("2024-03-01T00:00:00.000Z");
    expect(parseConsentDate("2024-03-01 10:30")?.toISOString()).toBe("2024-03-01T10:30:00.000Z");
    expect(parseConsentDate("2024-03-01T10:30:00+02:00")?.toISOString()).toBe("2024-03-01T08:30:00.000Z");
    expect(parseConsentDate("1709287200")?.toISOString()).toBe("2024-03-01T10:00:00.000Z");
    expect(parseConsentDate("2024-02-31")).toBeNull();
    expect(parseConsentDate("03/01/2024")).toBeNull();
  });

  it("splits tags on commas or semicolons", () => {
    expect(parseTags("vip; beta ,, gold")).toEqual(["vip", "beta", "gold"]);
    expect(parseTags("x".repeat(65))).toBeNull();
  });

  it("detects the delimiter from the header line, ignoring quoted separators", () => {
    expect(detectDelimiter("email,phone,name")).toBe(",");
    expect(detectDelimiter('email;"a,b";name')).toBe(";");
    expect(detectDelimiter("email\tphone")).toBe("\t");
  });

  it("knows IANA zones", () => {
    expect(isValidTimezone("America/New_York")).toBe(true);
    expect(isValidTimezone("Mars/Base")).toBe(false);
  });
});

describe("batch preparation", () => {
  it("drops in-file duplicates by email or phone (first occurrence wins, across batches)", () => {
    const seen = new AddressSeenMap(4);
    const deps = {
      columns,
      region: "US",
      now,
      extraTags: ["imported"],
      seen,
      indexer: new BlindIndexer("ws-1"),
      encryptor: new PiiBatchEncryptor(),
    };
    const first = prepareBatch(
      [
        { line: 2, cells: ["a@example.com", "+14155552671", "", "", "", "", "", ""] },
        { line: 3, cells: ["A@EXAMPLE.com", "", "", "", "", "", "", ""] },
      ],
      deps,
    );
    const second = prepareBatch(
      [{ line: 9, cells: ["other@example.com", "415 555 2671", "", "", "", "", "", ""] }],
      deps,
    );
    expect(first.rows.map((r) => r.line)).toEqual([2]);
    expect(first.rejections).toEqual([{ line: 3, column: "Email", reason: "duplicate of line 2" }]);
    expect(second.rejections).toEqual([{ line: 9, column: "Phone", reason: "duplicate of line 2" }]);
    expect(first.rows[0]!.tags).toBe("imported");
  });

  it("produces the same blind indexes and a ciphertext decryptPii reads", () => {
    const ring = keyRingFrom([{ id: "u1", key: Buffer.alloc(32, 3) }]);
    const encryptor = new PiiBatchEncryptor(ring);
    encryptor.reserve(2);
    const cipher = encryptor.encrypt("ann@example.com", "contact.email");
    expect(decryptPii(cipher, "contact.email", ring)).toBe("ann@example.com");
    expect(() => decryptPii(cipher, "contact.phone", ring)).toThrow();
    expect(encryptor.encrypt("ann@example.com", "contact.email")).not.toBe(cipher);
    expect(new BlindIndexer("ws-1").hash("email", "ann@example.com")).toBe(
      blindIndex("ws-1", "email", "ann@example.com"),
    );
  });

  it("the seen-map keeps every address through growth", () => {
    const map = new AddressSeenMap(2);
    const hashes = Array.from({ length: 5000 }, (_, i) => blindIndex("ws", "email", `u${i}@x.io`));
    hashes.forEach((h, i) => expect(map.setIfAbsent(h, i + 2)).toBe(i + 2));
    hashes.forEach((h, i) => expect(map.get(h)).toBe(i + 2));
    expect(map.setIfAbsent(hashes[10]!, 99_999)).toBe(12);
    expect(map.count).toBe(5000);
  });
});

describe("uuidv7", () => {
  it("is a valid version-7 UUID, unique and ordered by time", async () => {
    const { uuidv7 } = await import("@/server/services/imports/uuid-v7");
    const ids = Array.from({ length: 2000 }, () => uuidv7());
    expect(new Set(ids).size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const before = uuidv7();
    await new Promise((r) => setTimeout(r, 3));
    expect(uuidv7() > before).toBe(true);
  });
});
