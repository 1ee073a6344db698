/**
 * The rules for files attached to an email campaign, shared by the upload route, the services and
 * the editor (which checks before uploading, so a refused file never leaves the browser): how
 * many, how large in total, which names and types are refused, and how a name is cleaned.
 * No Node built-ins here: the UI imports it.
 */

/** At most this many files per campaign. */
export const MAX_ATTACHMENTS = 10;
/** At most this many bytes of files per campaign, all files together (5 MB). */
export const MAX_ATTACHMENT_TOTAL_BYTES = 5 * 1024 * 1024;
/** The longest file name kept (characters, extension included). */
export const MAX_ATTACHMENT_FILENAME = 120;

/**
 * Extensions refused whatever the declared type: programs and installers, scripts, shortcuts,
 * macro-enabled Office files, and pages or images that run script when opened from disk.
 */
export const BLOCKED_EXTENSIONS: readonly string[] = [
  "apk",
  "app",
  "appx",
  "bat",
  "cmd",
  "com",
  "cpl",
  "dll",
  "dmg",
  "docm",
  "dotm",
  "exe",
  "gadget",
  "hta",
  "htm",
  "html",
  "inf",
  "iso",
  "jar",
  "js",
  "jse",
  "lnk",
  "mht",
  "mhtml",
  "msc",
  "msi",
  "msix",
  "msp",
  "mst",
  "pif",
  "potm",
  "pptm",
  "ps1",
  "psm1",
  "reg",
  "scf",
  "scr",
  "sh",
  "shtml",
  "svg",
  "url",
  "vb",
  "vbe",
  "vbs",
  "wsc",
  "wsf",
  "wsh",
  "xht",
  "xhtml",
  "xlam",
  "xlsm",
  "xltm",
];

/** Declared content types refused whatever the name says (executables, scripts, HTML, SVG). */
export const BLOCKED_CONTENT_TYPES: readonly string[] = [
  "application/ecmascript",
  "application/hta",
  "application/java-archive",
  "application/javascript",
  "application/vnd.microsoft.portable-executable",
  "application/x-bat",
  "application/x-csh",
  "application/x-dosexec",
  "application/x-executable",
  "application/x-java-archive",
  "application/x-javascript",
  "application/x-ms-installer",
  "application/x-msdos-program",
  "application/x-msdownload",
  "application/x-msi",
  "application/x-sh",
  "application/x-shellscript",
  "application/xhtml+xml",
  "image/svg+xml",
  "text/ecmascript",
  "text/html",
  "text/javascript",
  "text/vbscript",
  "text/x-sh",
];

/** Types given to files by extension (what the recipient's mail client is told), when known. */
const TYPE_BY_EXTENSION: Record<string, string> = {
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  txt: "text/plain",
  csv: "text/csv",
  ics: "text/calendar",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ppt: "application/vnd.ms-powerpoint",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  zip: "application/zip",
  mp3: "audio/mpeg",
  mp4: "video/mp4",
};

const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
// Control characters, bidirectional overrides (a name that reads "invoice.pdf" but ends ".exe")
// and characters no file system accepts.
const UNSAFE_NAME_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"/\\|?*]/g;

/** The lower-cased extension of a name ("" when it has none). */
export function fileExtension(filename: string): string {
  const dot = filename.lastIndexOf(".");
  return dot <= 0 || dot === filename.length - 1 ? "" : filename.slice(dot + 1).toLowerCase();
}

/**
 * A file name safe to store, show and put in a Content-Disposition header: the last path segment
 * only, Unicode NFC, without control or bidirectional-override characters and characters file
 * systems refuse, spaces collapsed, no leading dots, at most MAX_ATTACHMENT_FILENAME characters
 * with the extension kept. "file" when nothing is left.
 */
export function sanitizeFilename(raw: string): string {
  const lastSegment = raw.split(/[/\\]/).pop() ?? "";
  let name = lastSegment
    .normalize("NFC")
    .replace(UNSAFE_NAME_CHARACTERS, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "");
  if (name.length > MAX_ATTACHMENT_FILENAME) {
    const extension = fileExtension(name);
    const suffix = extension && extension.length <= 10 ? `.${extension}` : "";
    name = `${name.slice(0, MAX_ATTACHMENT_FILENAME - suffix.length).trimEnd()}${suffix}`;
  }
  return name === "" ? "file" : name;
}

/** The declared type, lower-cased and without parameters (`text/plain; charset=…` → `text/plain`). */
function bareType(declared: string | null | undefined): string {
  return (declared ?? "").split(";")[0]!.trim().toLowerCase();
}

export type AttachmentTypeCheck =
  { ok: true; contentType: string } | { ok: false; reason: "blocked_extension" | "blocked_type"; message: string };

/**
 * Whether a file of this (already sanitised) name and declared type may be attached, and the
 * content type it is stored and sent with: the type known for its extension, else the declared
 * type when well-formed, else `application/octet-stream`.
 */
export function checkAttachmentType(filename: string, declaredType: string | null | undefined): AttachmentTypeCheck {
  const extension = fileExtension(filename);
  if (BLOCKED_EXTENSIONS.includes(extension)) {
    return {
      ok: false,
      reason: "blocked_extension",
      message: `Files ending in .${extension} cannot be attached: mail providers and recipients' filters treat them as dangerous`,
    };
  }
  const declared = bareType(declaredType);
  if (BLOCKED_CONTENT_TYPES.includes(declared)) {
    return {
      ok: false,
      reason: "blocked_type",
      message: `Files of type ${declared} cannot be attached: mail providers and recipients' filters treat them as dangerous`,
    };
  }
  const known = TYPE_BY_EXTENSION[extension];
  if (known) return { ok: true, contentType: known };
  return { ok: true, contentType: CONTENT_TYPE.test(declared) ? declared : "application/octet-stream" };
}

/**
 * What the first bytes say, for contents a harmless name may hide: a Windows or Linux program,
 * a script with a `#!` line, or an HTML page. Null when none of these.
 */
export function sniffDangerousContent(bytes: Uint8Array): string | null {
  if (bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a) return "a Windows program";
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46)
    return "a Linux program";
  if (bytes.length >= 2 && bytes[0] === 0x23 && bytes[1] === 0x21) return "a script";
  let start = 0;
  // Skip a UTF-8 byte order mark and leading whitespace before looking for markup.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  while (start < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[start]!)) start++;
  const head = String.fromCharCode(...bytes.subarray(start, start + 64)).toLowerCase();
  if (/^<(!doctype html|html|script|svg|\?xml[^>]*>\s*<svg)/.test(head)) return "a web page or script";
  return null;
}

/** "1.2 MB", "5 MB", "340 KB", "12 bytes": sizes as the editor and the emails show them. */
export function formatFileSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
}
