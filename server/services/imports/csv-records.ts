import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse, type Options } from "csv-parse";
import { invalid, type AppError } from "@/server/lib/errors";
import { unreadableCsvMessage } from "@/server/shared/file-type";
import { csvErrorReason } from "./csv-check";
import { detectDelimiter } from "./csv-values";
import type { ImportSource } from "./import-files";
import type { RawRecord } from "./prepare-rows";

/** A single CSV record larger than this is refused (protects memory from a missing quote). */
const MAX_RECORD_BYTES = 1 << 20;

/**
 * The records of a CSV file as it streams in, the header first: the delimiter is detected from the
 * first line, a BOM is dropped, each record carries the line it ends on. Malformed CSV → INVALID
 * naming the line (never the value).
 */
export async function* csvRecords(source: ImportSource): AsyncGenerator<RawRecord> {
  const input = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await iterator.next();
  if (first.done) throw invalid("The file is empty", "file");
  const head = typeof first.value === "string" ? first.value : Buffer.from(first.value).toString("utf8");
  const delimiter = detectDelimiter(head.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "");

  async function* chunks() {
    yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
    // The line a record ends on, for rejections (a quoted field may span lines).
    on_record: ((record: string[], context: { lines: number }) => ({
      line: context.lines,
      cells: record,
    })) as unknown as Options["on_record"],
  });
  const feeding = pipeline(Readable.from(chunks()), parser);
  feeding.catch(() => {});
  try {
    for await (const record of parser as AsyncIterable<RawRecord>) yield record;
    await feeding;
  } catch (error) {
    throw csvError(error) ?? error;
  }
}

/** csv-parse errors as INVALID naming the problem and the line, plainly (their messages can quote values). */
function csvError(error: unknown): AppError | undefined {
  const reason = csvErrorReason(error);
  return reason ? invalid(unreadableCsvMessage(reason), "file") : undefined;
}
