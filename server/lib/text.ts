import { z } from "zod";

/**
 * Text that is not text: control characters (U+0000–U+001F and U+007F) are refused in every text
 * field, with a 400 naming the field. Tab, CR and LF are allowed only where a field holds lines.
 *
 * Which fields hold lines is decided by name, in one place (MULTI_LINE_FIELDS below), so the tRPC
 * guard (server/api/trpc.ts), the hosted form and the link pages apply the same rule without each
 * schema having to be annotated. A schema may still use ZSingleLine / ZMultiLine to say it itself.
 */

const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** True when `value` has a control character; with `multiLine`, tab, CR and LF do not count. */
export function hasControlCharacter(value: string, { multiLine = false }: { multiLine?: boolean } = {}): boolean {
  return (multiLine ? CONTROL_EXCEPT_LINES : CONTROL).test(value);
}

export function controlCharacterMessage(field: string): string {
  return `${field} contains a control character`;
}

/** A one-line text field: any control character (tab and line breaks included) is refused. */
export const ZSingleLine = z
  .string()
  .refine((v) => !hasControlCharacter(v), { message: "contains a control character" });

/** A text field that may hold lines: tab, CR and LF are allowed, other control characters are not. */
export const ZMultiLine = z
  .string()
  .refine((v) => !hasControlCharacter(v, { multiLine: true }), { message: "contains a control character" });

/**
 * Field names whose strings may hold lines: template and message bodies (`text`, `html`, `body`,
 * `content`), free-text notes and descriptions, consent language, CSV content, leaving reasons.
 * A string also may when any enclosing key is a MULTI_LINE_CONTAINERS name: free-form values
 * (template variables, contact attributes, a rich-text document).
 */
export const MULTI_LINE_FIELDS: ReadonlySet<string> = new Set([
  "text",
  "html",
  "body",
  "content",
  "description",
  "note",
  "notes",
  "consentText",
  "csv",
  "reason",
  "sample",
  "message",
]);
export const MULTI_LINE_CONTAINERS: ReadonlySet<string> = new Set(["variables", "attributes", "doc"]);

/** Deeper than this, the guard stops walking (schemas refuse such shapes anyway). */
const MAX_DEPTH = 32;

function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${part}` : part;
  return out || "input";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The path of the first string in `input` (walked recursively through plain objects and arrays)
 * that holds a control character its field may not hold, e.g. `firstName` or `recipients[2].email`;
 * null when there is none. Object keys are checked too (a bad key reports its parent's path).
 */
export function findControlCharacter(input: unknown): string | null {
  const walk = (value: unknown, path: (string | number)[], multiLine: boolean, depth: number): string | null => {
    if (typeof value === "string") {
      const last = path[path.length - 1];
      const lines = multiLine || (typeof last === "string" && MULTI_LINE_FIELDS.has(last));
      return hasControlCharacter(value, { multiLine: lines }) ? formatPath(path) : null;
    }
    if (depth >= MAX_DEPTH) return null;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = walk(value[i], [...path, i], multiLine, depth + 1);
        if (found) return found;
      }
      return null;
    }
    if (isPlainObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (hasControlCharacter(key)) return formatPath(path);
        const found = walk(child, [...path, key], multiLine || MULTI_LINE_CONTAINERS.has(key), depth + 1);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(input, [], false, 0);
}
