import { fieldErrorsOf, installErrorMessages, issueSummary, type IssueLike } from "@/server/shared/error-messages";

// Schemas parsed in the browser (form checks before sending) get the same sentences as the server.
installErrorMessages();

/** What a form shows for a failed call: a message next to each field, and one sentence for a toast. */
export interface FormErrors {
  /** Field path joined with "." (`name`, `content.variants.en.subject`) → the first message for it. */
  fieldErrors: Record<string, string>;
  /** One readable sentence (or a few) summing up what went wrong: never JSON. */
  formError: string;
}

const FALLBACK = "Something went wrong. Try again.";
const INTERNAL = "Something went wrong on our side. Try again in a moment.";
const NETWORK = "Could not reach the server. Check your connection and try again.";

type ErrorData = {
  code?: unknown;
  httpStatus?: unknown;
  field?: unknown;
  fieldErrors?: unknown;
  issues?: unknown;
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string");
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function issuesIn(value: unknown): IssueLike[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const issues = value.filter(
    (issue): issue is IssueLike => isObject(issue) && Array.isArray(issue.path) && typeof issue.message === "string",
  );
  return issues.length ? issues : undefined;
}

/** A message fit for people: a non-empty string that is not a serialised object or list. */
function readable(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!text || text.startsWith("[") || text.startsWith("{")) return undefined;
  return text;
}

function summaryOf(fieldErrors: Record<string, string>): string {
  return issueSummary(Object.entries(fieldErrors).map(([key, message]) => ({ path: key.split("."), message })));
}

/**
 * The field errors and the summary of a failed call: a tRPC client error (its `data.fieldErrors`,
 * `data.issues` or `data.field`), a REST error body (`message`, `issues`), or a server action's
 * result (`{ error?, fieldErrors? }`). `fallbackField` receives a refusal (4xx) that names no
 * field, for forms where one field is the obvious culprit (a duplicate key).
 */
export function formErrorsFrom(error: unknown, options: { fallbackField?: string } = {}): FormErrors {
  if (!isObject(error)) return { fieldErrors: {}, formError: FALLBACK };
  const data: ErrorData = isObject(error.data) ? error.data : {};
  const status = typeof data.httpStatus === "number" ? data.httpStatus : undefined;
  const internal = data.code === "INTERNAL_SERVER_ERROR" || (status !== undefined && status >= 500);
  const message = readable(error.message) ?? readable(error.error);
  const issues = issuesIn(data.issues) ?? issuesIn(error.issues);

  let fieldErrors = stringRecord(data.fieldErrors) ?? stringRecord(error.fieldErrors) ?? {};
  if (!Object.keys(fieldErrors).length && issues) fieldErrors = fieldErrorsOf(issues);
  if (!Object.keys(fieldErrors).length && typeof data.field === "string" && data.field && message && !internal)
    fieldErrors = { [data.field]: message };
  const refused = status !== undefined && status >= 400 && status < 500;
  if (!Object.keys(fieldErrors).length && options.fallbackField && message && refused)
    fieldErrors = { [options.fallbackField]: message };

  // What fetch throws when the request never got an answer (no error shape came back).
  const unreachable =
    !isObject(error.data) &&
    typeof error.message === "string" &&
    /failed to fetch|networkerror|network request failed|load failed|fetch failed/i.test(error.message);

  let formError: string;
  if (internal) formError = INTERNAL;
  else if (unreachable) formError = NETWORK;
  else if (message) formError = message;
  else if (issues) formError = issueSummary(issues);
  else if (Object.keys(fieldErrors).length) formError = summaryOf(fieldErrors);
  else formError = FALLBACK;
  return { fieldErrors, formError };
}

/**
 * The message for `name` in `fieldErrors`: its own, or the first one about a part of it
 * (`fieldError(errors, "tags")` finds `tags.2`).
 */
export function fieldError(fieldErrors: Record<string, string>, name: string): string | undefined {
  if (fieldErrors[name] !== undefined) return fieldErrors[name];
  const prefix = `${name}.`;
  for (const [key, message] of Object.entries(fieldErrors)) if (key.startsWith(prefix)) return message;
  return undefined;
}
