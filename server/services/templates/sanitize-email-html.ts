import sanitizeHtml from "sanitize-html";

/**
 * The email HTML sanitiser: an allow-list, so anything not named here is dropped. Kept: the tags
 * and attributes mail layouts are made of (tables, text, images, links, a whole document with its
 * <head> and <style>). Dropped with their content: scripts, frames, plugins, forms and their
 * controls (<form>, <input>, <button>, <select>, <textarea>); dropped: every event handler,
 * `action`/`formaction`, comments (conditional comments included) and any URL scheme but
 * http(s), mailto, tel and cid. Authors are workspace members; this keeps a pasted snippet from
 * doing harm in the preview, in a webmail client, or as a phishing form inside our mail.
 */
const TEXT_TAGS = [
  "p",
  "br",
  "span",
  "div",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "strong",
  "b",
  "em",
  "i",
  "u",
  "s",
  "strike",
  "del",
  "ins",
  "small",
  "sub",
  "sup",
  "mark",
  "abbr",
  "code",
  "pre",
  "blockquote",
  "q",
  "cite",
  "hr",
  "center",
  "font",
  "wbr",
];
const LIST_TAGS = ["ul", "ol", "li", "dl", "dt", "dd"];
const TABLE_TAGS = ["table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col"];
const DOCUMENT_TAGS = [
  "html",
  "head",
  "body",
  "title",
  "style",
  "meta",
  "center",
  "section",
  "article",
  "header",
  "footer",
  "main",
  "nav",
  "aside",
  "figure",
  "figcaption",
  "picture",
  "source",
];
const MEDIA_TAGS = ["a", "img"];

const COMMON_ATTRIBUTES = [
  "style",
  "class",
  "id",
  "align",
  "valign",
  "width",
  "height",
  "bgcolor",
  "color",
  "border",
  "dir",
  "lang",
  "title",
  "role",
  "aria-*",
  "data-*",
];

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...TEXT_TAGS, ...LIST_TAGS, ...TABLE_TAGS, ...DOCUMENT_TAGS, ...MEDIA_TAGS],
  allowedAttributes: {
    "*": COMMON_ATTRIBUTES,
    a: ["href", "name", "target", "rel"],
    img: ["src", "alt", "srcset", "sizes", "loading"],
    source: ["srcset", "media", "type"],
    table: ["cellpadding", "cellspacing", "summary", "background"],
    td: ["colspan", "rowspan", "nowrap", "background", "headers", "scope"],
    th: ["colspan", "rowspan", "nowrap", "background", "headers", "scope"],
    col: ["span"],
    colgroup: ["span"],
    ol: ["start", "type", "reversed"],
    ul: ["type"],
    font: ["face", "size"],
    // Only charset and viewport-style hints: no http-equiv (refresh, set-cookie).
    meta: ["charset", "name", "content"],
    style: ["type", "media"],
  },
  allowedSchemes: ["http", "https", "mailto", "tel"],
  allowedSchemesByTag: { img: ["http", "https", "cid"], source: ["http", "https"] },
  allowProtocolRelative: true,
  // Dropped with everything inside them (scripts' code, a form's fields, an iframe's fallback).
  nonTextTags: [
    "script",
    "noscript",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "form",
    "button",
    "select",
    "textarea",
    "option",
    "template",
    "svg",
    "math",
  ],
  allowVulnerableTags: true,
  transformTags: {
    // Inline CSS stays; legacy script-bearing CSS does not.
    "*": (tagName, attribs) => {
      const style = attribs.style;
      return { tagName, attribs: style === undefined ? attribs : { ...attribs, style: scrubCss(style) } };
    },
  },
};

/** CSS constructs that run code or fetch other documents in old clients. */
const UNSAFE_CSS = /expression\s*\(|javascript\s*:|vbscript\s*:|behavior\s*:|-moz-binding|@import/gi;

function scrubCss(css: string): string {
  return css.replace(UNSAFE_CSS, "");
}

export function sanitizeEmailHtml(html: string): string {
  const clean = sanitizeHtml(html, OPTIONS);
  // <style> keeps its text: scrub it the same way as inline styles.
  return clean.replace(
    /(<style\b[^>]*>)([\s\S]*?)(<\/style>)/gi,
    (_whole, open: string, css: string, close: string) => `${open}${scrubCss(css)}${close}`,
  );
}
