/**
 * Is this file text we can read as CSV? Looked at from its first bytes, the same way in the
 * browser (before a preview is asked for) and on the server (before an upload is stored): known
 * signatures of other file types (images, PDF, ZIP and Office files…), NUL bytes, text that is not
 * UTF-8, control characters. The answer is a sentence for people, or null when the bytes look like
 * text.
 */

/** How many bytes of the beginning of a file the check reads. */
export const FILE_CHECK_BYTES = 8 * 1024;

const ADVICE = "Export your list as CSV (comma-separated) and try again.";
const UTF8_ADVICE = "Export your list as CSV UTF-8 (comma-separated) and try again.";

/** `This file is not a CSV: it looks like a PNG image. Export your list as CSV (comma-separated) and try again.` */
export function notCsvMessage(looksLike: string): string {
  return `This file is not a CSV: it looks like ${looksLike}. ${ADVICE}`;
}

export const EMPTY_FILE_MESSAGE = `This file is empty. ${ADVICE}`;
export const BINARY_FILE_MESSAGE = `This file is not a CSV: it holds binary data, not text. ${ADVICE}`;
export const NOT_UTF8_MESSAGE = `This file is not a CSV in UTF-8: some of its characters are not UTF-8 text. ${UTF8_ADVICE}`;
export const UTF16_MESSAGE = `This file is not a CSV in UTF-8: it looks like UTF-16 text. ${UTF8_ADVICE}`;

/** The message for a file whose text cannot be read as CSV (`reason`: what is wrong, plainly). */
export function unreadableCsvMessage(reason: string): string {
  return `This file is not a CSV: ${reason}. ${ADVICE}`;
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));

/** The bytes as Latin-1 (one character per byte), to look for ASCII names inside binary data. */
function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return out;
}

/** What a ZIP archive holds, from the file names near its start (Office files are ZIP archives). */
function zipKind(bytes: Uint8Array): string {
  const names = latin1(bytes);
  if (names.includes("xl/")) return "an Excel workbook (.xlsx)";
  if (names.includes("word/")) return "a Word document (.docx)";
  if (names.includes("ppt/")) return "a PowerPoint presentation (.pptx)";
  if (names.includes("opendocument.spreadsheet")) return "an OpenDocument spreadsheet (.ods)";
  if (names.includes("opendocument.text")) return "an OpenDocument text document (.odt)";
  if (names.includes("numbers")) return "a Numbers spreadsheet";
  return "a ZIP archive";
}

const SIGNATURES: { bytes: readonly number[]; offset?: number; looksLike: string | ((b: Uint8Array) => string) }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], looksLike: "a PNG image" },
  { bytes: [0xff, 0xd8, 0xff], looksLike: "a JPEG image" },
  { bytes: ascii("GIF87a"), looksLike: "a GIF image" },
  { bytes: ascii("GIF89a"), looksLike: "a GIF image" },
  { bytes: ascii("WEBP"), offset: 8, looksLike: "a WebP image" },
  { bytes: ascii("BM"), looksLike: (b) => (b.length > 14 && b[6] === 0 && b[7] === 0 ? "a BMP image" : "") },
  { bytes: [0x49, 0x49, 0x2a, 0x00], looksLike: "a TIFF image" },
  { bytes: [0x4d, 0x4d, 0x00, 0x2a], looksLike: "a TIFF image" },
  { bytes: ascii("ftypheic"), offset: 4, looksLike: "a HEIC image" },
  { bytes: ascii("ftypheix"), offset: 4, looksLike: "a HEIC image" },
  { bytes: ascii("ftypmif1"), offset: 4, looksLike: "a HEIC image" },
  { bytes: ascii("ftyp"), offset: 4, looksLike: "a video or audio file" },
  { bytes: ascii("%PDF-"), looksLike: "a PDF document" },
  { bytes: [0x50, 0x4b, 0x03, 0x04], looksLike: zipKind },
  { bytes: [0x50, 0x4b, 0x05, 0x06], looksLike: "a ZIP archive" },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    looksLike: "an Excel 97–2003 workbook (.xls) or another Office file",
  },
  { bytes: ascii("{\\rtf"), looksLike: "an RTF document" },
  { bytes: [0x1f, 0x8b], looksLike: "a gzip-compressed file" },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], looksLike: "a 7-Zip archive" },
  { bytes: ascii("Rar!"), looksLike: "a RAR archive" },
  { bytes: ascii("SQLite format 3"), looksLike: "an SQLite database" },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], looksLike: "a program" },
  { bytes: ascii("ID3"), looksLike: "an audio file" },
  { bytes: ascii("OggS"), looksLike: "an audio or video file" },
];

/** What the first bytes say the file is (`a PNG image`), or null for none of the known types. */
export function knownFileType(bytes: Uint8Array): string | null {
  for (const signature of SIGNATURES) {
    if (!startsWith(bytes, signature.bytes, signature.offset)) continue;
    const looksLike = typeof signature.looksLike === "function" ? signature.looksLike(bytes) : signature.looksLike;
    if (looksLike) return looksLike;
  }
  return null;
}

/** Control characters other than tab, line feed and carriage return (a text export has none). */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** The text without control characters other than tab and line breaks (what a preview may show). */
export function withoutControlCharacters(text: string): string {
  return text.replace(CONTROL, "");
}

/** UTF-16 without a byte order mark: one byte of every pair of mostly-ASCII text is NUL. */
function looksLikeUtf16(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, Math.min(bytes.length, 512) & ~1);
  if (sample.length < 16) return false;
  const zeros = [0, 0];
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) zeros[i % 2]!++;
  const half = sample.length / 2;
  const [even, odd] = zeros as [number, number];
  return (odd >= 0.9 * half && even <= 0.1 * half) || (even >= 0.9 * half && odd <= 0.1 * half);
}

/**
 * Why the beginning of a file cannot be imported as CSV, as a sentence; null when it looks like
 * text. `complete`: `bytes` is the whole file (otherwise a character cut at the end is not an error).
 */
export function csvFileProblem(bytes: Uint8Array, { complete }: { complete: boolean }): string | null {
  const head = bytes.subarray(0, FILE_CHECK_BYTES);
  const whole = complete && bytes.length <= FILE_CHECK_BYTES;
  if (head.length === 0) return whole ? EMPTY_FILE_MESSAGE : null;
  const known = knownFileType(head);
  if (known) return notCsvMessage(known);
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return UTF16_MESSAGE;
  if (head.includes(0)) {
    return looksLikeUtf16(head) ? UTF16_MESSAGE : BINARY_FILE_MESSAGE;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: !whole });
  } catch {
    return NOT_UTF8_MESSAGE;
  }
  const controls = text.match(CONTROL)?.length ?? 0;
  // A stray control character is a bad cell (the import reports its row); many are not text.
  if (controls > 8 || (controls > 1 && controls * 100 > text.length)) return BINARY_FILE_MESSAGE;
  return null;
}
