import { constants, inflateSync } from "node:zlib";

/**
 * The text runs of a PDF written with pdfkit's built-in fonts, in drawing order: each content
 * stream is inflated (or read as is), and each `TJ` array's hex strings are decoded (WinAnsi ≈
 * Latin-1) and joined. Enough to check which figures a report shows.
 */
export function pdfTextRuns(pdf: Buffer): string[] {
  const raw = pdf.toString("latin1");
  const runs: string[] = [];
  const streams = /stream\r?\n([\s\S]*?)\r?\nendstream/g;
  for (let match = streams.exec(raw); match; match = streams.exec(raw)) {
    const bytes = Buffer.from(match[1]!, "latin1");
    let content: string;
    try {
      // Sync flush: a stream whose last byte the pattern took for the line end still inflates.
      content = inflateSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }).toString("latin1");
    } catch {
      content = bytes.toString("latin1");
    }
    const arrays = /\[((?:<[0-9a-fA-F]*>|[-\d.\s])*)\]\s*TJ/g;
    for (let tj = arrays.exec(content); tj; tj = arrays.exec(content)) {
      const hex = [...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((m) => m[1]!).join("");
      runs.push(Buffer.from(hex, "hex").toString("latin1"));
    }
  }
  return runs;
}
