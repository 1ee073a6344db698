import { formatFileSize } from "@/server/shared/attachments";
import { escapeHtml } from "@/server/shared/html";
import { NO_TRACK_ATTRIBUTE } from "./layout";

/**
 * What a campaign adds to a rendered email around its content: a "View in your browser" line at
 * the top (the message's web version) and a "Files" list of download links at the end of the
 * body (files sent as links instead of attachments). Pure: no I/O.
 */

export interface EmailFileLink {
  filename: string;
  sizeBytes: number;
  url: string;
}

export interface EmailExtras {
  webVersionUrl?: string | null;
  files?: EmailFileLink[] | null;
}

/** Marks the "View in your browser" line, so the web version page can leave it out of itself. */
export const WEB_VERSION_LINE_ATTRIBUTE = "data-web-version-link";

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
// #52525b on the layout's #f4f4f5 background and #2563eb on white both pass WCAG AA for small text.
const MUTED = "#52525b";
const LINK = "#2563eb";

function webVersionHtml(url: string): string {
  return `<div ${WEB_VERSION_LINE_ATTRIBUTE} style="max-width:600px;margin:0 auto;padding:12px 16px 0;font-family:${FONT};font-size:12px;line-height:1.5;text-align:center;color:${MUTED}"><a href="${escapeHtml(url)}" ${NO_TRACK_ATTRIBUTE} style="color:${MUTED};text-decoration:underline">View in your browser</a></div>`;
}

function filesHtml(files: EmailFileLink[]): string {
  const items = files
    .map(
      (file) =>
        `<li style="margin:0 0 6px"><a href="${escapeHtml(file.url)}" style="color:${LINK};text-decoration:underline">${escapeHtml(file.filename)}</a> <span style="color:${MUTED}">(${escapeHtml(formatFileSize(file.sizeBytes))})</span></li>`,
    )
    .join("");
  return `<div data-campaign-files style="margin:24px 0 0;padding:16px 0 0;border-top:1px solid #e4e4e7;font-family:${FONT}"><p style="margin:0 0 8px;font-size:16px;line-height:1.6;font-weight:700">Files</p><ul style="margin:0;padding:0 0 0 24px;font-size:16px;line-height:1.6">${items}</ul></div>`;
}

/**
 * The email with its extras. HTML: the web-version line right after `<body…>` (after a hidden
 * preheader, so the inbox preview still shows the preheader), the files list just before the
 * layout's footer block (at the end of the content card) or before `</body>`. Text: the web
 * version first, the files before the `--` footer separator.
 */
export function addEmailExtras(
  email: { text: string; html: string | null },
  extras: EmailExtras,
): { text: string; html: string | null } {
  const files = extras.files?.length ? extras.files : null;
  const webVersionUrl = extras.webVersionUrl || null;
  if (!files && !webVersionUrl) return email;

  let text = email.text;
  if (files) {
    const list = `Files:\n${files.map((f) => `- ${f.filename} (${formatFileSize(f.sizeBytes)}): ${f.url}`).join("\n")}`;
    const separator = text.lastIndexOf("\n\n--\n");
    text = separator >= 0 ? `${text.slice(0, separator)}\n\n${list}${text.slice(separator)}` : `${text}\n\n${list}`;
  }
  if (webVersionUrl) text = `View in your browser: ${webVersionUrl}\n\n${text}`;

  let html = email.html;
  if (html !== null) {
    if (files) {
      // The layout's content card ends with `</td></tr>\n</table>` before the footer block.
      const cardEnd = html.lastIndexOf("</td></tr>\n</table>");
      const bodyEnd = html.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
      const at = cardEnd >= 0 ? cardEnd : bodyEnd >= 0 ? bodyEnd : html.length;
      html = `${html.slice(0, at)}${filesHtml(files)}${html.slice(at)}`;
    }
    if (webVersionUrl) {
      const line = webVersionHtml(webVersionUrl);
      const preheader = /<span[^>]*data-preheader[^>]*>[\s\S]*?<\/span>/i.exec(html);
      const body = /<body\b[^>]*>/i.exec(html);
      const after = preheader ?? body;
      if (after) {
        const end = after.index + after[0].length;
        html = `${html.slice(0, end)}${line}${html.slice(end)}`;
      } else html = `${line}${html}`;
    }
  }
  return { text, html };
}

/** The web version page's HTML: the message as sent, without its own "View in your browser" line. */
export function withoutWebVersionLine(html: string): string {
  return html.replace(new RegExp(`<div ${WEB_VERSION_LINE_ATTRIBUTE}[^>]*>[\\s\\S]*?</div>`, "g"), "");
}
