import { createHash, randomUUID } from "node:crypto";
import type { Channel } from "@/server/shared/enums";
import { mapLinksInHtml, mapLinksInText } from "@/server/shared/utm";

/**
 * Rewrites a rendered marketing message for tracking, at record time (the message id is known):
 * email links go through `/t/c/{token}` and the HTML gets a 1×1 open pixel `/t/o/{token}`; SMS
 * links become `/t/{code}`. Returns the links to store (one per distinct URL, in order of first
 * appearance, text and HTML sharing them), so the redirect knows the exact URL.
 *
 * Never rewritten: anything but absolute http(s) URLs (`mailto:`, `tel:`, relative links), links
 * marked `data-no-track` (the footer's unsubscribe and preference links), the message's own
 * unsubscribe and preference URLs, and every link to the product's own pages or the tracking
 * domain (the `origins`: PUBLIC_URL, TRACKING_BASE_URL: web version, forms, hosted pages).
 */

export interface TrackedLink {
  id: string;
  position: number;
  url: string;
  urlHash: string;
  shortCode: string | null;
}

export interface RewriteInput {
  channel: Channel;
  messageId: string;
  text: string;
  html: string | null;
  /** Rewrite links (the workspace's click tracking). */
  clicks: boolean;
  /** Add the open pixel (email HTML only; the workspace's open tracking). */
  opens: boolean;
  skip: { urls: string[]; origins: string[] };
  /** The tracking origin, without a trailing slash. */
  baseUrl: string;
  signOpen: (messageId: string) => string;
  signClick: (messageId: string, linkId: string) => string;
  newShortCode: () => string;
}

export interface Rewritten {
  text: string;
  html: string | null;
  links: TrackedLink[];
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** SHA-256 (hex) of a URL: groups the same link across messages without reading it. */
export function urlHash(url: string): string {
  return createHash("sha256").update(url).digest("hex");
}

/** Whether a URL is one click tracking rewrites. */
export function isTrackable(url: string, skip: RewriteInput["skip"]): boolean {
  if (!/^https?:\/\//i.test(url)) return false;
  if (skip.urls.includes(url)) return false;
  const origin = originOf(url);
  if (!origin) return false;
  return !skip.origins.some((o) => originOf(o) === origin);
}

export function rewriteForTracking(input: RewriteInput): Rewritten {
  const byUrl = new Map<string, TrackedLink>();
  const target = (url: string): string => {
    if (!isTrackable(url, input.skip)) return url;
    let link = byUrl.get(url);
    if (!link) {
      link = {
        id: randomUUID(),
        position: byUrl.size,
        url,
        urlHash: urlHash(url),
        shortCode: input.channel === "sms" ? input.newShortCode() : null,
      };
      byUrl.set(url, link);
    }
    return link.shortCode
      ? `${input.baseUrl}/t/${link.shortCode}`
      : `${input.baseUrl}/t/c/${input.signClick(input.messageId, link.id)}`;
  };
  let text = input.text;
  let html = input.html;
  if (input.clicks) {
    // HTML first: its links come in reading order; the text part names the same URLs.
    if (html !== null) html = mapLinksInHtml(html, target);
    text = mapLinksInText(text, target);
  }
  if (input.opens && input.channel === "email" && html !== null) html = withPixel(html, input);
  return { text, html, links: [...byUrl.values()] };
}

function withPixel(html: string, input: RewriteInput): string {
  const pixel = `<img src="${input.baseUrl}/t/o/${input.signOpen(input.messageId)}" width="1" height="1" alt="" data-tracking-pixel style="display:block;width:1px;height:1px;border:0" />`;
  const close = html.search(/<\/body\s*>/i);
  return close >= 0 ? `${html.slice(0, close)}${pixel}${html.slice(close)}` : `${html}${pixel}`;
}

/** An SMS text as it will be measured once its links are shortened (dry runs, estimates). */
export function shortenedForEstimate(text: string, baseUrl: string, skip: RewriteInput["skip"]): string {
  return mapLinksInText(text, (url) => (isTrackable(url, skip) ? `${baseUrl}/t/XXXXXXXXXX` : url));
}

/**
 * The HTML without its open pixel: for showing a sent message in the app (the message detail,
 * the Outbox), where loading the pixel would record the viewer's open as the recipient's.
 */
export function stripTrackingPixel(html: string): string {
  return html.replace(/<img\b[^>]*\sdata-tracking-pixel\b[^>]*>/gi, "");
}
