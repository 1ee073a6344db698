/**
 * The email layout every template and inline email body is wrapped in: a responsive, table-based
 * page with every style inlined (mail clients drop <style> blocks and classes), a brand header,
 * the body, and a footer that carries the unsubscribe and preference links and the postal address.
 * Pure: no I/O.
 */
import { escapeHtml } from "@/server/shared/html";
import { sanitizeEmailHtml } from "./sanitize-email-html";

export { sanitizeEmailHtml };

/**
 * Marks links a click tracker must leave alone (unsubscribe and preference links must reach the
 * contact unwrapped: RFC 8058 and docs/contract.md, "Messaging defaults"). Trackers should also skip any href equal to the
 * message's unsubscribe or preference URL, wherever the template put it.
 */
export const NO_TRACK_ATTRIBUTE = "data-no-track";

export interface EmailFooter {
  brand: string;
  isMarketing: boolean;
  unsubscribeUrl: string | null;
  preferencesUrl: string | null;
  /** Null when none is configured (transactional mail then shows no address). */
  postalAddress: string | null;
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const TEXT = "#18181b";
const MUTED = "#71717a";
const LINK = "#2563eb";

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  "#39": "'",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
  copy: "©",
};

export function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code =
        name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const CONTENT_STYLES: Record<string, string> = {
  p: "margin:0 0 16px;font-size:16px;line-height:1.6",
  h1: "margin:0 0 16px;font-size:26px;line-height:1.25;font-weight:700",
  h2: "margin:24px 0 12px;font-size:21px;line-height:1.3;font-weight:700",
  h3: "margin:20px 0 8px;font-size:17px;line-height:1.35;font-weight:700",
  h4: "margin:16px 0 8px;font-size:16px;line-height:1.4;font-weight:700",
  ul: "margin:0 0 16px;padding:0 0 0 24px;font-size:16px;line-height:1.6",
  ol: "margin:0 0 16px;padding:0 0 0 24px;font-size:16px;line-height:1.6",
  li: "margin:0 0 6px",
  a: `color:${LINK};text-decoration:underline`,
  blockquote: `margin:0 0 16px;padding:4px 0 4px 16px;border-left:3px solid #e4e4e7;color:#3f3f46`,
  hr: "border:0;border-top:1px solid #e4e4e7;margin:24px 0",
  pre: "margin:0 0 16px;padding:12px;background:#f4f4f5;border-radius:6px;font-size:14px;line-height:1.5;white-space:pre-wrap",
  code: "font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:14px;background:#f4f4f5;border-radius:4px;padding:1px 4px",
  img: "max-width:100%;height:auto;border:0",
};

/** Inlines the layout's typography into the body's own tags (keeping any style they already have). */
export function inlineContentStyles(html: string): string {
  const withTags = html.replace(
    /<(p|h1|h2|h3|h4|ul|ol|li|a|blockquote|hr|pre|code|img)\b([^>]*?)(\/?)>/gi,
    (whole, tag: string, attrs: string, selfClose: string) => {
      const style = CONTENT_STYLES[tag.toLowerCase()]!;
      const existing = /\sstyle\s*=\s*("([^"]*)"|'([^']*)')/i.exec(attrs);
      if (existing) {
        const merged = `${style};${existing[2] ?? existing[3] ?? ""}`;
        return `<${tag}${attrs.replace(existing[0], ` style="${merged}"`)}${selfClose}>`;
      }
      return `<${tag}${attrs} style="${style}"${selfClose}>`;
    },
  );
  // Rich-text editors wrap list items in paragraphs: no paragraph margin inside a list item.
  return withTags.replace(/(<li\b[^>]*>\s*)<p style="margin:0 0 16px;/gi, '$1<p style="margin:0;');
}

/** The plain-text part of an HTML body: blocks become lines, links show their address. */
export function htmlToText(html: string): string {
  let text = html
    .replace(/\r\n?/g, "\n")
    .replace(/<(style|head|title)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/\n/g, " ")
    // A list item's first paragraph is the item's own line.
    .replace(/(<li\b[^>]*>)\s*<p\b[^>]*>([\s\S]*?)<\/p\s*>/gi, "$1$2")
    .replace(
      /<a\b[^>]*?href\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a\s*>/gi,
      (_whole, _q, dq: string | undefined, sq: string | undefined, inner: string) => {
        const href = decodeEntities(dq ?? sq ?? "").trim();
        const label = decodeEntities(inner.replace(/<[^>]+>/g, "")).trim();
        if (!href || href === "#" || (href.startsWith("mailto:") && label === href.slice(7))) return label || href;
        return !label || label === href ? href : `${label} (${href})`;
      },
    )
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<li\b[^>]*>/gi, "\n- ")
    .replace(/<hr\b[^>]*>/gi, "\n\n---\n\n")
    .replace(/<\/(p|h[1-6]|blockquote|pre|table|ul|ol)\s*>/gi, "\n\n")
    .replace(/<(p|h[1-6]|blockquote|pre|table|ul|ol|div|tr)\b[^>]*>/gi, "\n")
    .replace(/<\/li\s*>/gi, "")
    .replace(/<\/(div|tr)\s*>/gi, "\n")
    .replace(/<[^>]+>/g, "");
  text = decodeEntities(text)
    .split("\n")
    .map((line) => line.replace(/[ \t\u00a0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return text;
}

/** An HTML body for a message that only has text: paragraphs and line breaks, links left as text. */
export function textToHtml(text: string): string {
  return text
    .trim()
    .split(/\n{2,}/)
    .map((para) => `<p>${escapeHtml(para).replace(/\n/g, "<br>")}</p>`)
    .join("");
}

function footerHtml(footer: EmailFooter): string {
  const links: string[] = [];
  if (footer.unsubscribeUrl) {
    links.push(
      `<a href="${escapeHtml(footer.unsubscribeUrl)}" ${NO_TRACK_ATTRIBUTE}="true" style="color:${MUTED};text-decoration:underline">Unsubscribe</a>`,
    );
  }
  if (footer.preferencesUrl) {
    links.push(
      `<a href="${escapeHtml(footer.preferencesUrl)}" ${NO_TRACK_ATTRIBUTE}="true" style="color:${MUTED};text-decoration:underline">Manage preferences</a>`,
    );
  }
  const why = footer.isMarketing
    ? `You are receiving this email because you opted in to messages from ${escapeHtml(footer.brand)}.`
    : `This is a service message from ${escapeHtml(footer.brand)} about your account or a request you made.`;
  const rows = [
    `<p style="margin:0 0 8px;font-size:12px;line-height:1.6;color:${MUTED}">${why}</p>`,
    links.length
      ? `<p style="margin:0 0 8px;font-size:12px;line-height:1.6;color:${MUTED}">${links.join(" &middot; ")}</p>`
      : "",
    footer.postalAddress
      ? `<p style="margin:0;font-size:12px;line-height:1.6;color:${MUTED}">${escapeHtml(footer.brand)} &middot; ${escapeHtml(footer.postalAddress).replace(/\n/g, ", ")}</p>`
      : "",
  ];
  return rows.join("");
}

/** The footer of the plain-text part, with the same facts as the HTML footer. */
export function footerText(footer: EmailFooter): string {
  const lines = [
    footer.isMarketing
      ? `You are receiving this email because you opted in to messages from ${footer.brand}.`
      : `This is a service message from ${footer.brand} about your account or a request you made.`,
  ];
  if (footer.unsubscribeUrl) lines.push(`Unsubscribe: ${footer.unsubscribeUrl}`);
  if (footer.preferencesUrl) lines.push(`Manage preferences: ${footer.preferencesUrl}`);
  if (footer.postalAddress) lines.push(`${footer.brand}, ${footer.postalAddress.replace(/\n/g, ", ")}`);
  return lines.join("\n");
}

/** Invisible filler after a preheader, so mail clients do not pull the body's first words into the preview line. */
const PREHEADER_FILLER = "&#847;&zwnj;&nbsp;".repeat(60);

/**
 * The preheader: the line inbox lists show after the subject, hidden in the message itself
 * (every property mail clients honour for that: `display:none`, `mso-hide` for Outlook, zero
 * size and opacity for the clients that drop `display`), then filler. Null without one.
 */
export function preheaderHtml(preheader: string | null | undefined): string | null {
  const line = preheader?.replace(/\s+/g, " ").trim();
  if (!line) return null;
  return `<span data-preheader="true" style="display:none !important;visibility:hidden;mso-hide:all;font-size:1px;line-height:1px;color:#f4f4f5;max-height:0;max-width:0;opacity:0;overflow:hidden">${escapeHtml(line)}${PREHEADER_FILLER}</span>`;
}

/**
 * Wraps a body in the layout. A body that already is a whole document (`<html>`/`<body>`, e.g.
 * inline content from the API) keeps its own design: only the footer is inserted before
 * `</body>`, so a marketing message always carries it. A preheader (campaign content) is the
 * first thing inside `<body>` either way.
 */
export function wrapEmailHtml({
  bodyHtml,
  subject,
  footer,
  preheader,
}: {
  bodyHtml: string;
  subject: string;
  footer: EmailFooter;
  preheader?: string | null;
}): string {
  const body = sanitizeEmailHtml(bodyHtml);
  const hidden = preheaderHtml(preheader);
  const footerBlock = `<div style="max-width:600px;margin:0 auto;padding:24px 24px 32px;font-family:${FONT};text-align:center">${footerHtml(footer)}</div>`;
  if (/<body\b/i.test(body)) {
    const withFooter = /<\/body\s*>/i.test(body)
      ? body.replace(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i, `${footerBlock}</body>`)
      : `${body}${footerBlock}`;
    return hidden ? withFooter.replace(/<body\b[^>]*>/i, (tag) => `${tag}${hidden}`) : withFooter;
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="x-apple-disable-message-reformatting"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;-webkit-text-size-adjust:100%">${hidden ? `\n${hidden}` : ""}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f5"><tr><td align="center" style="padding:24px 12px 0">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px">
<tr><td style="padding:0 4px 16px;font-family:${FONT};font-size:15px;font-weight:700;color:${TEXT}">${escapeHtml(footer.brand)}</td></tr>
<tr><td style="background:#ffffff;border-radius:12px;padding:32px 28px;font-family:${FONT};color:${TEXT};word-break:break-word">${inlineContentStyles(body)}</td></tr>
</table>
${footerBlock}
</td></tr></table>
</body></html>`;
}
