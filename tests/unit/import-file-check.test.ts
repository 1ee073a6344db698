import { describe, expect, it } from "vitest";
import { AppError } from "@/server/lib/errors";
import { checkCsvHead } from "@/server/services/imports/csv-check";
import { previewCsv } from "@/server/services/imports/preview-csv";
import {
  BINARY_FILE_MESSAGE,
  csvFileProblem,
  EMPTY_FILE_MESSAGE,
  knownFileType,
  NOT_UTF8_MESSAGE,
  UTF16_MESSAGE,
  withoutControlCharacters,
} from "@/server/shared/file-type";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const bytes = (text: string) => new TextEncoder().encode(text);

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected a refusal");
}

describe("csvFileProblem", () => {
  it("names the file type of known signatures", () => {
    expect(csvFileProblem(PNG, { complete: true })).toBe(
      "This file is not a CSV: it looks like a PNG image. Export your list as CSV (comma-separated) and try again.",
    );
    expect(knownFileType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe("a JPEG image");
    expect(knownFileType(bytes("%PDF-1.7\n"))).toBe("a PDF document");
    expect(
      knownFileType(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...bytes("....[Content_Types].xml xl/workbook.xml")])),
    ).toBe("an Excel workbook (.xlsx)");
    expect(knownFileType(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...bytes("notes.txt")]))).toBe("a ZIP archive");
  });

  it("refuses NUL bytes, UTF-16 and text that is not UTF-8", () => {
    expect(csvFileProblem(Uint8Array.from([0x01, 0x00, 0x02, 0x03, 0x00, 0x9a, 0x10]), { complete: true })).toBe(
      BINARY_FILE_MESSAGE,
    );
    expect(csvFileProblem(Uint8Array.from([0xff, 0xfe, 0x65, 0x00, 0x6d, 0x00]), { complete: true })).toBe(
      UTF16_MESSAGE,
    );
    const utf16WithoutBom = Uint8Array.from([..."email,name\nann@example.com"].flatMap((c) => [c.charCodeAt(0), 0]));
    expect(csvFileProblem(utf16WithoutBom, { complete: true })).toBe(UTF16_MESSAGE);
    const latin1 = Uint8Array.from([...bytes("email,name\nzoe@example.com,Zo"), 0xe9, 0x0a]);
    expect(csvFileProblem(latin1, { complete: true })).toBe(NOT_UTF8_MESSAGE);
    expect(csvFileProblem(new Uint8Array(0), { complete: true })).toBe(EMPTY_FILE_MESSAGE);
  });

  it("accepts CSV text, a BOM, and a character cut at the end of a sample", () => {
    expect(csvFileProblem(bytes("\uFEFFemail,name\nzoé@example.com,Zoé\n"), { complete: true })).toBeNull();
    const cut = bytes("email,name\nzoe@example.com,Zoé").slice(0, -1);
    expect(csvFileProblem(cut, { complete: false })).toBeNull();
    expect(csvFileProblem(cut, { complete: true })).toBe(NOT_UTF8_MESSAGE);
  });

  it("lets a stray control character through (the import reports its row), not many", () => {
    expect(csvFileProblem(bytes("email\nann@example.com\u000c\n"), { complete: true })).toBeNull();
    expect(
      csvFileProblem(bytes("\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000e\u000f"), { complete: true }),
    ).toBe(BINARY_FILE_MESSAGE);
    expect(withoutControlCharacters("a\u000cb\tc\r\n")).toBe("ab\tc\r\n");
  });
});

describe("checkCsvHead", () => {
  it("returns the header of CSV text", () => {
    expect(checkCsvHead(bytes("Email;First name\nann@example.com;Ann\n"), { complete: true })).toEqual({
      headers: ["Email", "First name"],
    });
  });

  it("refuses another file type and unparseable CSV with a sentence, naming the file field", () => {
    const png = refusal(() => checkCsvHead(PNG, { complete: true }));
    expect(png.code).toBe("INVALID");
    expect(png.field).toBe("file");
    expect(png.message).toContain("it looks like a PNG image");
    const unclosed = refusal(() => checkCsvHead(bytes('email,name\nann@example.com,"Ann\n'), { complete: true }));
    expect(unclosed.message).toBe(
      "This file is not a CSV: a quoted value is never closed (near line 2). Export your list as CSV (comma-separated) and try again.",
    );
  });

  it("does not hold an open quote against the head of a longer file", () => {
    expect(checkCsvHead(bytes('email,note\nann@example.com,"first line\nsecond'), { complete: false })).toEqual({
      headers: null,
    });
  });
});

describe("previewCsv", () => {
  it("shows the rows of a file whose first row is longer than the sample, its long cell cut", () => {
    const long = "x".repeat(65_000);
    const text = `email,note\nann@example.com,${long}`;
    const preview = previewCsv({ input: { text: text.slice(0, 64 * 1024), truncated: true } });
    expect(preview.headers).toEqual(["email", "note"]);
    expect(preview.rows).toHaveLength(1);
    expect(preview.rows[0]![0]).toBe("ann@example.com");
    expect(preview.rows[0]![1]!.length).toBeGreaterThan(60_000);
  });

  it("shows a row whose quoted cell goes past the end of the sample", () => {
    const text = `email,note\nann@example.com,"${"line\n".repeat(20_000)}`;
    const preview = previewCsv({ input: { text: text.slice(0, 64 * 1024), truncated: true } });
    expect(preview.rows).toHaveLength(1);
    expect(preview.rows[0]![0]).toBe("ann@example.com");
  });

  it("refuses text decoded from a binary file, saying what it is", () => {
    expect(refusal(() => previewCsv({ input: { text: "%PDF-1.7\n%âãÏÓ\n" } })).message).toContain("a PDF document");
    expect(refusal(() => previewCsv({ input: { text: "email\nzo\uFFFD@example.com\n" } })).message).toBe(
      NOT_UTF8_MESSAGE,
    );
  });
});
