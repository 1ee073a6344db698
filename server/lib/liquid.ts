import { Liquid, Tag, type Template } from "liquidjs";

/** A variable path as Liquid's static analysis reports it (`x[y].z` → `["x", ["y"], "z"]`). */
export type SegmentArray = Array<string | number | SegmentArray>;

/**
 * The one Liquid engine of the product: strict and sandboxed.
 *
 * - Strict: an unknown filter is a parse error; an undefined variable is a render error (except
 *   inside `if`/`unless` conditions and as the input of `default`, so `{{ x | default: "y" }}` and
 *   `{% if contact.attributes.vip %}` work when the value is missing).
 * - Sandboxed: no file system (`include`, `render` and `layout` are refused at parse time), only
 *   own properties are readable (no `constructor`, no prototypes), and every parse and render is
 *   bounded in size, time and allocations.
 * - Two engines with the same rules: `text` (subject, plain text, SMS) writes values as they are;
 *   `html` escapes every value unless the template says `| raw`.
 */

export const LIQUID_LIMITS = {
  /** Characters of template source parsed at once. */
  sourceChars: 100_000,
  /** Wall time of one render. */
  renderMs: 500,
  /** Liquid's allocation budget (array and string building) for one render. */
  memory: 10_000_000,
  /** Characters of one rendered part. */
  outputChars: 200_000,
} as const;

export type LiquidMode = "text" | "html";

/** A template that cannot be parsed or rendered; `message` is safe to show to the template's author. */
export class LiquidTemplateError extends Error {
  constructor(
    message: string,
    readonly kind: "syntax" | "render" | "limit",
  ) {
    super(message);
    this.name = "LiquidTemplateError";
  }
}

const REFUSED_TAGS = ["include", "render", "layout"] as const;

function createEngine(mode: LiquidMode): Liquid {
  const engine = new Liquid({
    strictFilters: true,
    strictVariables: true,
    lenientIf: true,
    ownPropertyOnly: true,
    jsTruthy: false,
    // An empty in-memory template map: nothing is ever read from disk.
    templates: {},
    dynamicPartials: false,
    cache: false,
    outputEscape: mode === "html" ? "escape" : undefined,
    parseLimit: LIQUID_LIMITS.sourceChars,
    renderLimit: LIQUID_LIMITS.renderMs,
    memoryLimit: LIQUID_LIMITS.memory,
    timezoneOffset: 0,
  });
  for (const name of REFUSED_TAGS) {
    engine.registerTag(
      name,
      class extends Tag {
        constructor(...args: ConstructorParameters<typeof Tag>) {
          super(...args);
          throw new Error(`tag "${name}" is not available in message templates`);
        }
        render(): unknown {
          return undefined;
        }
      },
    );
  }
  return engine;
}

/** Stateless engines, built on first use; a second copy of this module just builds its own. */
let engines: Record<LiquidMode, Liquid> | undefined;

function engine(mode: LiquidMode): Liquid {
  engines ??= { text: createEngine("text"), html: createEngine("html") };
  return engines[mode];
}

/** Liquid's messages name the rule and the place ("undefined variable: x, line:1, col:4"). */
function describe(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  return raw
    .replace(/, line:(\d+), col:(\d+)/, " (line $1, column $2)")
    .replace(/\s+/g, " ")
    .trim();
}

function toTemplateError(error: unknown, phase: "syntax" | "render"): LiquidTemplateError {
  const message = describe(error);
  const isLimit = /limit exceeded/i.test(message);
  return new LiquidTemplateError(
    isLimit ? `${message}: the template does too much work` : message,
    isLimit ? "limit" : phase,
  );
}

/**
 * In HTML produced by a rich-text editor, Liquid typed as text arrives entity-escaped
 * (`{% if n &gt; 1 %}`, `default: &quot;there&quot;`): decode entities inside `{{ }}` and `{% %}`
 * only, so the Liquid reads as typed while the surrounding HTML stays as it was.
 */
export function unescapeLiquidInHtml(html: string): string {
  const decode = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;|&#x27;|&apos;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&nbsp;|\u00a0/g, " ")
      .replace(/&amp;/g, "&");
  return html.replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g, decode);
}

function prepare(source: string, mode: LiquidMode): string {
  if (source.length > LIQUID_LIMITS.sourceChars) {
    throw new LiquidTemplateError(
      `The template is ${source.length} characters; the limit is ${LIQUID_LIMITS.sourceChars}`,
      "limit",
    );
  }
  return mode === "html" ? unescapeLiquidInHtml(source) : source;
}

/**
 * Parsed templates by mode and source, most recently used last. Every send renders its template's
 * parts and the email layout: parsing them again each time was a large share of a send's CPU.
 * A parsed template is immutable (Liquid's own cache shares them the same way), so concurrent
 * renders may use one copy. Keyed by the source itself, so an edited template is simply another
 * entry; failures are not cached (they throw again, with the same message, at each parse).
 */
const PARSE_CACHE_ENTRIES = 500;
/** Longer sources are parsed each time: a few large templates must not hold most of the memory. */
const PARSE_CACHE_MAX_SOURCE = 20_000;
const parsedCache = new Map<string, Template[]>();

/** Parses a template; a syntax error, unknown tag or unknown filter → LiquidTemplateError. */
export function parseLiquid(source: string, mode: LiquidMode): Template[] {
  const cacheable = source.length <= PARSE_CACHE_MAX_SOURCE;
  const key = `${mode}\u0000${source}`;
  if (cacheable) {
    const hit = parsedCache.get(key);
    if (hit) {
      parsedCache.delete(key);
      parsedCache.set(key, hit);
      return hit;
    }
  }
  const prepared = prepare(source, mode);
  let parsed: Template[];
  try {
    parsed = engine(mode).parse(prepared);
  } catch (error) {
    throw toTemplateError(error, "syntax");
  }
  if (cacheable) {
    parsedCache.set(key, parsed);
    if (parsedCache.size > PARSE_CACHE_ENTRIES) parsedCache.delete(parsedCache.keys().next().value!);
  }
  return parsed;
}

/**
 * The variables a template reads from its scope (loop variables, `assign` and `capture` excluded),
 * each as its path: `{{ contact.attributes.plan }}` → `["contact", "attributes", "plan"]`.
 */
export function liquidGlobalPaths(source: string, mode: LiquidMode): SegmentArray[] {
  const parsed = parseLiquid(source, mode);
  try {
    return engine(mode).globalVariableSegmentsSync(parsed);
  } catch (error) {
    throw toTemplateError(error, "syntax");
  }
}

/** Renders a template under the strict rules and the limits above. */
export async function renderLiquid(source: string, scope: Record<string, unknown>, mode: LiquidMode): Promise<string> {
  const parsed = parseLiquid(source, mode);
  let output: unknown;
  try {
    output = await engine(mode).render(parsed, scope);
  } catch (error) {
    throw toTemplateError(error, "render");
  }
  const text = typeof output === "string" ? output : String(output ?? "");
  if (text.length > LIQUID_LIMITS.outputChars) {
    throw new LiquidTemplateError(
      `The rendered text is ${text.length} characters; the limit is ${LIQUID_LIMITS.outputChars}`,
      "limit",
    );
  }
  return text;
}
