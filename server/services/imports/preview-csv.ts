import { parse } from "csv-parse/sync";
import { invalid } from "@/server/lib/errors";
import { detectDelimiter, suggestMapping } from "./csv-values";
import { ZPreviewCsvInput, type TPreviewCsvOutput } from "./schemas";

const PREVIEW_ROWS = 10;

/**
 * Headers, the first rows and a suggested mapping from the beginning of a file (the browser sends
 * its first ~64 KB). Reads nothing from the database and stores nothing.
 */
export function previewCsv({ input }: { input: { text: string; truncated?: boolean } }): TPreviewCsvOutput {
  const { text, truncated } = ZPreviewCsvInput.parse(input);
  let body = text.replace(/^\uFEFF/, "");
  if (truncated) {
    const lastBreak = body.lastIndexOf("\n");
    if (lastBreak > 0) body = body.slice(0, lastBreak);
  }
  const delimiter = detectDelimiter(body.split(/\r?\n/, 1)[0] ?? "");
  let records: string[][];
  try {
    records = parse(body, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      to: PREVIEW_ROWS + 1,
    });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "CSV_ERROR";
    throw invalid(`This does not look like a CSV file (${code})`, "file");
  }
  const headers = (records[0] ?? []).map((h) => h.trim());
  if (headers.length === 0 || headers.every((h) => !h)) throw invalid("The first line must name the columns", "file");
  const suggestion = suggestMapping(headers.filter(Boolean));
  return {
    headers,
    rows: records.slice(1, PREVIEW_ROWS + 1).map((r) => headers.map((_, i) => r[i] ?? "")),
    delimiter,
    suggestedMapping: { fields: suggestion.fields, attributes: suggestion.attributes },
  };
}
