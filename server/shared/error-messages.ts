/**
 * Validation messages people can read, on both sides: zod's global error map (installed by
 * `installErrorMessages()`, called by the tRPC set-up on the server and by the form-error helper
 * in the browser), and the helpers that turn a list of issues into a map of field errors and one
 * summary made of sentences. A schema that gives its own message keeps it: zod prefers a message
 * set on the schema or check over the global map.
 *
 * Messages never quote the value that was refused (it may be personal data).
 */
import { z } from "zod";

/** The parts of an issue these helpers read (a zod issue, or one received from the server). */
export interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
}

const WORDS: Record<string, string> = {
  url: "URL",
  urls: "URLs",
  sms: "SMS",
  html: "HTML",
  ip: "IP",
  api: "API",
  csv: "CSV",
  id: "ID",
  ids: "IDs",
  e164: "E.164",
};

/** `firstName` → `First name`, `topicId` → `Topic`, `replyTo` → `Reply to`, `smsFrom` → `SMS from`. */
export function labelFromKey(key: string): string {
  const trimmed = key.length > 2 ? key.replace(/(?<=[a-z0-9])Ids?$/, (m) => (m === "Ids" ? "s" : "")) : key;
  const words = trimmed
    .replace(/[_\-.]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => WORDS[word.toLowerCase()] ?? word.toLowerCase());
  if (words.length === 0) return "This value";
  const [first, ...rest] = words;
  return [first!.charAt(0).toUpperCase() + first!.slice(1), ...rest].join(" ");
}

/** The label of the field an issue is about: its last named path segment (`recipients.2.email` → `Email`). */
export function fieldLabel(path: readonly PropertyKey[]): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const part = path[i];
    if (typeof part === "string" && part) return labelFromKey(part);
  }
  return "This value";
}

/** `["variants", "en", "subject"]` → `variants.en.subject`: the key of `fieldErrors`. */
export function issueKey(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === "symbol" ? (part.description ?? "") : String(part))).join(".");
}

function plural(count: number | bigint, one: string, many: string): string {
  return `${count} ${Number(count) === 1 ? one : many}`;
}

/** `["a", "b", "c"]` → `a, b or c` (at most eight named, the rest counted). */
function choices(values: readonly unknown[]): string {
  const shown = values.slice(0, 8).map((v) => (typeof v === "string" ? v : (JSON.stringify(v) ?? String(v))));
  if (values.length > shown.length) return `${shown.join(", ")} or one of ${values.length - shown.length} more`;
  if (shown.length <= 1) return shown.join("");
  return `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  bigint: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  date: "a date",
};

const FORMAT_MESSAGES: Record<string, (label: string) => string> = {
  email: () => "Enter an email address like name@example.com",
  url: () => "Enter a full web address like https://example.com",
  uuid: (label) => (label === "ID" ? "This is not a valid id" : `${label} is not a valid id`),
  guid: (label) => (label === "ID" ? "This is not a valid id" : `${label} is not a valid id`),
  datetime: (label) => `${label} must be a date and time like 2026-01-31T09:00:00Z`,
  date: (label) => `${label} must be a date like 2026-01-31`,
  time: (label) => `${label} must be a time like 09:30`,
  e164: () => "Enter a phone number in international format like +14155552671",
};

/**
 * The global error map: one sentence per issue, without the refused value. Covers the issues zod
 * raises itself (required, too long, too small, not an email, not a choice…); a schema's own
 * message takes precedence over it.
 */
export function readableIssueMessage(issue: z.core.$ZodRawIssue): string {
  const label = fieldLabel(issue.path ?? []);
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined || (issue.input === null && issue.expected !== "null"))
        return `${label} is required`;
      const expected = TYPE_NAMES[issue.expected];
      return expected ? `${label} must be ${expected}` : `${label} is not valid`;
    }
    case "too_small": {
      const n = issue.minimum;
      if (issue.origin === "string") {
        if (Number(n) <= 1 && issue.inclusive !== false) return `${label} is required`;
        return issue.exact
          ? `Use exactly ${plural(n, "character", "characters")}`
          : `Use at least ${plural(n, "character", "characters")}`;
      }
      if (issue.origin === "array" || issue.origin === "set") {
        if (issue.exact) return `Choose exactly ${n}`;
        return Number(n) <= 1 ? "Choose at least one" : `Choose at least ${n}`;
      }
      if (issue.origin === "date") return `Use ${new Date(Number(n)).toISOString()} or later`;
      return issue.inclusive === false ? `Use more than ${n}` : `Use ${n} or more`;
    }
    case "too_big": {
      const n = issue.maximum;
      if (issue.origin === "string")
        return issue.exact
          ? `Use exactly ${plural(n, "character", "characters")}`
          : `Use at most ${plural(n, "character", "characters")}`;
      if (issue.origin === "array" || issue.origin === "set")
        return issue.exact ? `Choose exactly ${n}` : `Choose at most ${n}`;
      if (issue.origin === "file") return `Use a file of at most ${plural(n, "byte", "bytes")}`;
      if (issue.origin === "date") return `Use ${new Date(Number(n)).toISOString()} or earlier`;
      return issue.inclusive === false ? `Use less than ${n}` : `Use ${n} or less`;
    }
    case "invalid_format": {
      const format = FORMAT_MESSAGES[issue.format];
      if (format) return format(label);
      if (issue.format === "starts_with" && "prefix" in issue)
        return `${label} must start with ${String(issue.prefix)}`;
      if (issue.format === "ends_with" && "suffix" in issue) return `${label} must end with ${String(issue.suffix)}`;
      if (issue.format === "includes" && "includes" in issue) return `${label} must contain ${String(issue.includes)}`;
      if (issue.format === "lowercase") return `${label} must be in lowercase`;
      if (issue.format === "uppercase") return `${label} must be in uppercase`;
      return `${label} is not in the expected format`;
    }
    case "not_multiple_of":
      return `Use a multiple of ${issue.divisor}`;
    case "invalid_value":
      if (issue.values.length === 1) return `${label} must be ${choices(issue.values)}`;
      return `Choose one of ${choices(issue.values)}`;
    case "unrecognized_keys":
      return `Remove the unknown field${issue.keys.length === 1 ? "" : "s"} ${choices(issue.keys)}`;
    case "invalid_union":
      if ("options" in issue && Array.isArray(issue.options) && issue.options.length)
        return `Choose one of ${choices(issue.options)}`;
      return `${label} is not valid`;
    default:
      return `${label} is not valid`;
  }
}

/**
 * Makes `readableIssueMessage` zod's global error map. Idempotent; zod keeps its configuration on
 * `globalThis`, so one call covers every copy of zod loaded in the process (or page). Called by
 * `server/api/trpc.ts` when it loads (before any procedure parses) and by the browser's form-error
 * helper (`components/ui/form-errors.ts`).
 */
export function installErrorMessages(): void {
  if (z.config().customError === readableIssueMessage) return;
  z.config({ customError: readableIssueMessage });
}

/** Field key (`issueKey`) → the first message for it; issues about the whole input are left out. */
export function fieldErrorsOf(issues: readonly IssueLike[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const key = issueKey(issue.path);
    if (key && !(key in out)) out[key] = issue.message;
  }
  return out;
}

function asSentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return "";
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * One issue as a sentence that stands on its own: a message that does not name its field gets the
 * field's label in front (`Subject: use at most 500 characters.`); messages written by a schema's
 * own rule (`custom`), or already starting with the label, are kept as they are.
 */
export function issueSentence(issue: IssueLike): string {
  const label = fieldLabel(issue.path);
  const message = issue.message.trim();
  const mentions = new RegExp(`(^|[^A-Za-z0-9])${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([^A-Za-z0-9]|$)`, "i");
  const named = issue.path.length === 0 || issue.code === "custom" || mentions.test(message);
  if (named) return asSentence(message);
  const rest = /^[A-Z][a-z]/.test(message) ? message.charAt(0).toLowerCase() + message.slice(1) : message;
  return asSentence(`${label}: ${rest}`);
}

/** The issues as sentences, one per field, joined: never JSON. */
export function issueSummary(issues: readonly IssueLike[]): string {
  const seen = new Set<string>();
  const fields = new Set<string>();
  const sentences: string[] = [];
  for (const issue of issues) {
    const key = issueKey(issue.path);
    if (fields.has(key) && key) continue;
    fields.add(key);
    const sentence = issueSentence(issue);
    if (sentence && !seen.has(sentence)) {
      seen.add(sentence);
      sentences.push(sentence);
    }
  }
  return sentences.join(" ") || "Check the values you entered.";
}
