import { parse } from "csv-parse/sync";
import { invalid } from "@/server/lib/errors";
import { BINARY_FILE_MESSAGE, NOT_UTF8_MESSAGE, notCsvMessage, unreadableCsvMessage } from "@/server/shared/file-type";
import { CSV_PARSE_OPTIONS, csvErrorCode, csvErrorReason } from "./csv-check";
import { detectDelimiter, suggestMapping } from "./csv-values";
import { ZPreviewCsvInput, type TPreviewCsvOutput } from "./schemas";

const PREVIEW_ROWS = 10;

/** Text a browser decoded from a file that is not CSV text: a known signature, NULs, or undecodable bytes. */
function textProblem(text: string, truncated: boolean): string | null {
  if (text.startsWith("%PDF-")) return notCsvMessage("a PDF document");
  if (text.startsWith("{\\rtf")) return notCsvMessage("an RTF document");
  if (/^\uFFFDPNG/.test(text)) return notCsvMessage("a PNG image");
  if (text.includes("\u0000")) return BINARY_FILE_MESSAGE;
  // U+FFFD is what a browser puts for bytes that are not UTF-8; the last character of a cut sample may be one.
  const replaced = text.indexOf("\uFFFD");
  if (replaced !== -1 && !(truncated && replaced >= text.length - 3)) return NOT_UTF8_MESSAGE;
  return null;
}

function parseRecords(body: string, delimiter: string): string[][] {
  return parse(body, { ...CSV_PARSE_OPTIONS, delimiter, to: PREVIEW_ROWS + 1 });
}

/**
 * Headers, the first rows and a suggested mapping from the beginning of a file (the browser sends
 * its first ~64 KB). When the sample is cut (`truncated`), its last line is dropped, unless that
 * would leave no row to show (a very long cell): then the cut row is shown as far as it goes.
 * Text that is not CSV → INVALID naming `file`, with a sentence saying what the file looks like.
 * Reads nothing from the database and stores nothing.
 */
export function previewCsv({ input }: { input: { text: string; truncated?: boolean } }): TPreviewCsvOutput {
  const { text, truncated } = ZPreviewCsvInput.parse(input);
  const body = text.replace(/^\uFEFF/, "");
  const problem = textProblem(body, truncated);
  if (problem) throw invalid(problem, "file");
  if (!body.trim())
    throw invalid("This file is empty. Export your list as CSV (comma-separated) and try again.", "file");
  const delimiter = detectDelimiter(body.split(/\r?\n/, 1)[0] ?? "");

  const lastBreak = body.lastIndexOf("\n");
  const whole = truncated && lastBreak > 0 ? body.slice(0, lastBreak) : body;
  let records: string[][] | undefined;
  let failure: unknown;
  try {
    records = parseRecords(whole, delimiter);
  } catch (error) {
    failure = error;
  }
  if (truncated && (records === undefined || records.length < 2)) {
    // The cut ends inside a quoted value or the first row is longer than the sample: read what is
    // there, closing an open quote, so the rows still show (their last cell cut short).
    for (const attempt of [body, `${body}"`]) {
      try {
        const partial = parseRecords(attempt, delimiter);
        if (partial.length >= (records?.length ?? 0)) records = partial;
        break;
      } catch (error) {
        if (csvErrorCode(error) !== "CSV_QUOTE_NOT_CLOSED") break;
      }
    }
  }
  if (records === undefined) {
    throw invalid(unreadableCsvMessage(csvErrorReason(failure) ?? "its rows could not be read"), "file");
  }
  const headers = (records[0] ?? []).map((h) => h.trim());
  if (headers.length === 0 || headers.every((h) => !h))
    throw invalid("The first line must name the columns (for example: email,first_name,phone).", "file");
  const suggestion = suggestMapping(headers.filter(Boolean));
  return {
    headers,
    rows: records.slice(1, PREVIEW_ROWS + 1).map((r) => headers.map((_, i) => r[i] ?? "")),
    delimiter,
    suggestedMapping: { fields: suggestion.fields, attributes: suggestion.attributes },
  };
}
