import { escapeHtml } from "./html";

/**
 * UTM parameters on the links of a campaign's email (`campaigns.options.utm`): web analytics then
 * attribute visits to the campaign. Pure (the URL API only), shared by the campaign editor (which
 * shows the defaults) and the render step (which tags the links of each campaign email).
 *
 * Only http(s) links are tagged. Left alone: `mailto:`, `tel:` and every other scheme, relative
 * links, links marked `data-no-track` (the footer's unsubscribe and preference links), the URLs
 * the caller names (the message's own unsubscribe and preference URLs) and every link to the
 * product's own pages (the caller's origins: unsubscribe, preferences, web version, forms), so a
 * signed link is never altered. A parameter the link already has keeps the author's value; the
 * existing query is kept byte for byte.
 */

/** Defaults of the fields a campaign leaves empty (the campaign's default is the slug of its name). */
export const UTM_DEFAULTS = { source: "optin", medium: "email" } as const;

/** The most characters of one UTM value. */
export const UTM_VALUE_MAX = 100;

/** A campaign's UTM settings as stored; empty fields take the defaults. */
export interface UtmOptions {
  source?: string;
  medium?: string;
  campaign?: string;
  term?: string;
  content?: string;
}

/** `utm_*` query parameter name → value, in the order they are appended. */
export type UtmParameters = Record<string, string>;

/** A campaign name as a UTM value: lower case, accents dropped, runs of anything else as one "-". */
export function campaignSlug(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, UTM_VALUE_MAX)
    .replace(/-+$/, "");
  return slug || "campaign";
}

/** The query parameters of a campaign's UTM settings, defaults applied (term and content only when set). */
export function utmParameters(utm: UtmOptions, campaignName: string): UtmParameters {
  const value = (v: string | undefined) => (v ?? "").trim();
  const params: UtmParameters = {
    utm_source: value(utm.source) || UTM_DEFAULTS.source,
    utm_medium: value(utm.medium) || UTM_DEFAULTS.medium,
    utm_campaign: value(utm.campaign) || campaignSlug(campaignName),
  };
  if (value(utm.term)) params.utm_term = value(utm.term);
  if (value(utm.content)) params.utm_content = value(utm.content);
  return params;
}

/** What is never tagged, besides non-http(s) links. */
export interface UtmSkip {
  /** Exact URLs left alone (the message's unsubscribe and preference URLs). */
  urls?: string[];
  /** Origins whose links are left alone (the product's own pages), e.g. "https://optin.example.com". */
  origins?: string[];
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * `url` with the parameters it does not have yet appended to its query (before any fragment), or
 * `url` unchanged when it is not an absolute http(s) URL, is skipped, or already has them all.
 */
export function tagUrl(url: string, params: UtmParameters, skip: UtmSkip = {}): string {
  if (!/^https?:\/\//i.test(url)) return url;
  if (skip.urls?.includes(url)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (skip.origins?.some((origin) => originOf(origin) === parsed.origin)) return url;
  const existing = parsed.searchParams;
  const added = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (!existing.has(key)) added.append(key, value);
  const addition = added.toString();
  if (!addition) return url;
  // The existing query stays as written (the `search` setter keeps its escapes); ours goes after it.
  const query = parsed.search.length > 1 ? `${parsed.search}&${addition}` : `?${addition}`;
  parsed.search = query;
  return parsed.toString();
}

const ATTRIBUTE_ENTITIES: Record<string, string> = { amp: "&", quot: '"', apos: "'", lt: "<", gt: ">" };

/** The value of an HTML attribute as the browser reads it (named entities of the five, numeric ones). */
function decodeAttribute(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|quot|apos|lt|gt);/gi, (whole, name: string) => {
    if (name[0] !== "#") return ATTRIBUTE_ENTITIES[name.toLowerCase()] ?? whole;
    const code =
      name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
  });
}

/**
 * Passes the `href` of every `<a>` and `<area>` of an HTML document through `map` (decoded as the
 * browser reads it); a tag marked `data-no-track` is left alone. Only the attribute changes: the
 * rest of the markup stays as it is. Shared by UTM tagging and click tracking.
 */
export function mapLinksInHtml(html: string, map: (href: string) => string): string {
  return html.replace(/<(a|area)\b[^>]*>/gi, (tag) => {
    if (/\sdata-no-track(\s*=|[\s/>])/i.test(tag)) return tag;
    return tag.replace(
      /(\shref\s*=\s*)("([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i,
      (whole, prefix: string, _quoted, dq?: string, sq?: string, bare?: string) => {
        const href = decodeAttribute((dq ?? sq ?? bare ?? "").trim());
        const mapped = map(href);
        return mapped === href ? whole : `${prefix}"${escapeHtml(mapped)}"`;
      },
    );
  });
}

/** Tags the `href` of every `<a>` and `<area>` of an HTML document (see `tagUrl`, `mapLinksInHtml`). */
export function tagLinksInHtml(html: string, params: UtmParameters, skip: UtmSkip = {}): string {
  return mapLinksInHtml(html, (href) => tagUrl(href, params, skip));
}

/** Characters that end a sentence rather than a URL when they close it. */
const TRAILING = /[.,;:!?'"*_]+$/;

/** A URL found in text, without the punctuation that closes the sentence around it. */
function trimUrl(candidate: string): string {
  let url = candidate;
  for (;;) {
    const before = url;
    url = url.replace(TRAILING, "");
    // A closing bracket belongs to the URL only when the URL opened it (Wikipedia-style paths).
    for (const [open, close] of [
      ["(", ")"],
      ["[", "]"],
    ] as const) {
      while (url.endsWith(close) && url.split(close).length > url.split(open).length) url = url.slice(0, -1);
    }
    if (url === before) return url;
  }
}

/** Passes every http(s) URL written in plain text (without the sentence's closing punctuation) through `map`. */
export function mapLinksInText(text: string, map: (url: string) => string): string {
  return text.replace(/\bhttps?:\/\/[^\s<>"]+/gi, (candidate) => {
    const url = trimUrl(candidate);
    return map(url) + candidate.slice(url.length);
  });
}

/** Tags every http(s) URL written in plain text (see `tagUrl`). */
export function tagLinksInText(text: string, params: UtmParameters, skip: UtmSkip = {}): string {
  return mapLinksInText(text, (url) => tagUrl(url, params, skip));
}
