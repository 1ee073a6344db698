import { parse } from "csv-parse/sync";
import { invalid } from "@/server/lib/errors";
import { csvFileProblem, unreadableCsvMessage } from "@/server/shared/file-type";
import { detectDelimiter } from "./csv-values";

/** How much of an upload is read before it is stored: enough for the header and the first rows. */
export const CSV_HEAD_BYTES = 64 * 1024;

/** The options the preview and the check share with the import's own parser (csv-records.ts). */
export const CSV_PARSE_OPTIONS = {
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
} as const;

const REASONS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: "a quoted value is never closed",
  CSV_INVALID_CLOSING_QUOTE: "a quote closes in the middle of a value",
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: "there is text after a closing quote",
  CSV_MAX_RECORD_SIZE: "one line is longer than 1 MB (a quote may be missing)",
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: "its lines do not have the same number of columns",
  CSV_INVALID_ARGUMENT: "its separator could not be found",
};

/** csv-parse's error code, when `error` is one of its errors. */
export function csvErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("CSV_") ? code : undefined;
}

/**
 * What a csv-parse error means, plainly and without the values (its own message can quote them):
 * `a quoted value is never closed (near line 12)`. Undefined for other errors.
 */
export function csvErrorReason(error: unknown): string | undefined {
  const code = csvErrorCode(error);
  if (!code) return undefined;
  const lines = (error as { lines?: unknown }).lines;
  const where = typeof lines === "number" && lines > 0 ? ` (near line ${lines})` : "";
  return `${REASONS[code] ?? "its rows could not be read"}${where}`;
}

/**
 * Refuses the beginning of an upload that is not CSV text (INVALID, field `file`): another file
 * type, binary data, text that is not UTF-8, CSV that cannot be parsed, or a first line with no
 * column names. `complete`: `head` is the whole file. Returns the header cells (null when the
 * first line does not end within `head`).
 */
export function checkCsvHead(head: Uint8Array, { complete }: { complete: boolean }): { headers: string[] | null } {
  const problem = csvFileProblem(head, { complete });
  if (problem) throw invalid(problem, "file");
  let text = new TextDecoder("utf-8").decode(head).replace(/^\uFEFF/, "");
  if (!complete) {
    const lastBreak = text.lastIndexOf("\n");
    if (lastBreak <= 0) return { headers: null };
    text = text.slice(0, lastBreak);
  }
  let records: string[][];
  try {
    records = parse(text, { ...CSV_PARSE_OPTIONS, delimiter: detectDelimiter(text.split(/\r?\n/, 1)[0] ?? "") });
  } catch (error) {
    const reason = csvErrorReason(error);
    // The head of a longer file may end inside a quoted value that goes on further down.
    if (!reason || (!complete && csvErrorCode(error) === "CSV_QUOTE_NOT_CLOSED")) return { headers: null };
    throw invalid(unreadableCsvMessage(reason), "file");
  }
  if (records.length === 0) {
    if (complete) throw invalid(unreadableCsvMessage("it has no lines"), "file");
    return { headers: null };
  }
  const headers = records[0]!.map((cell) => cell.trim());
  if (headers.every((cell) => !cell))
    throw invalid("The first line must name the columns (for example: email,first_name,phone).", "file");
  return { headers };
}
