import { escapeHtml } from "@/server/shared/html";
import {
  HOSTED_CARD,
  HOSTED_FONT,
  POWERED_BY,
  brandInitials,
  hostedBrand,
  hostedCssVariables,
  type HostedBrand,
} from "./theme";

/**
 * The HTML frame of the hosted pages served by route handlers (forms, their success page, the
 * double opt-in link and code pages): the workspace's logo or initials and name above one card,
 * "Powered by" below, styled from components/hosted/theme.ts like the unsubscribe and preference
 * pages. Inline CSS, no JavaScript, no external resources but the logo (the pages' policy allows
 * images from this site and https). Every interpolated value goes through `escapeHtml`.
 */

const CSS = `
:root{color-scheme:light}
*{box-sizing:border-box}
html,body{margin:0}
body{font:15px/1.55 ${HOSTED_FONT};color:var(--hosted-text);background:var(--hosted-page);-webkit-font-smoothing:antialiased;text-rendering:optimizeLegibility}
.page{min-height:100vh;display:flex;justify-content:center;align-items:flex-start;padding:40px 16px 32px}
.wrap{width:100%;max-width:440px}
.brand{display:flex;align-items:center;justify-content:center;gap:12px;margin:0 0 24px}
.mark{flex:none;width:36px;height:36px;border-radius:10px;background:var(--hosted-accent);color:var(--hosted-accent-fg);display:grid;place-items:center;font-size:14px;font-weight:650;letter-spacing:.02em}
.logo{display:block;height:36px;width:auto;max-width:160px;object-fit:contain}
.brand-name{font-size:16px;font-weight:650;letter-spacing:-.01em;color:var(--hosted-text)}
.card{background:var(--hosted-card);border:1px solid var(--hosted-border);border-radius:${HOSTED_CARD.radius};padding:32px;box-shadow:${HOSTED_CARD.shadow}}
.foot{margin:24px 0 0;font-size:12px;color:var(--hosted-muted);text-align:center}
.embed body{background:transparent}
.embed .page{min-height:0;padding:8px}
.embed .wrap{max-width:none;background:var(--hosted-card);border:1px solid var(--hosted-border);border-radius:${HOSTED_CARD.radius};padding:24px}
.embed .brand{justify-content:flex-start;margin-bottom:20px}
.embed .card{border:0;border-radius:0;padding:0;box-shadow:none}
h1{font-size:22px;line-height:1.25;margin:0 0 8px;letter-spacing:-.015em;font-weight:650;text-wrap:balance}
p{margin:0}
a{color:var(--hosted-accent);font-weight:550;text-underline-offset:3px}
a:focus-visible,button:focus-visible,.input:focus-visible,input[type=checkbox]:focus-visible{outline:2px solid var(--hosted-accent);outline-offset:2px}
.lead{color:var(--hosted-muted);margin:0 0 24px}
.lead p+p{margin-top:8px}
.lead strong{color:var(--hosted-text);font-weight:600}
.field{margin:0 0 16px}
label{display:block;font-size:14px;font-weight:550;margin:0 0 6px}
.opt{color:var(--hosted-muted);font-weight:400;font-size:13px}
.input{display:block;width:100%;height:44px;padding:0 12px;border:1px solid var(--hosted-control);border-radius:10px;font:inherit;background:#fff;color:inherit}
.input::placeholder{color:#71717a}
.input:focus-visible{outline-offset:1px;border-color:var(--hosted-accent)}
.input[aria-invalid=true]{border-color:var(--hosted-danger)}
.error{color:var(--hosted-danger);font-size:13px;margin-top:6px}
.topics{margin:4px 0 20px;padding:0;border:0;min-width:0}
.topics-label{display:block;float:none;padding:0;font-size:14px;font-weight:550;margin:0 0 8px}
.topic-list{margin:0;padding:2px 14px;border:1px solid var(--hosted-border);border-radius:12px;background:var(--hosted-subtle)}
.topics.invalid .topic-list{border-color:var(--hosted-danger)}
.topic{display:flex;gap:12px;align-items:flex-start;padding:12px 0}
.topic+.topic{border-top:1px solid var(--hosted-border)}
.topic input[type=checkbox]{flex:none;width:18px;height:18px;margin:2px 0 0;accent-color:var(--hosted-accent);cursor:pointer}
.topic label{display:inline;margin:0;cursor:pointer}
.topic-name{font-weight:550;font-size:14px}
.topic-desc{display:block;color:var(--hosted-muted);font-size:13px;font-weight:400}
.chip{display:inline-block;margin-left:6px;padding:0 7px;border-radius:999px;border:1px solid var(--hosted-border);background:#fff;color:var(--hosted-muted);font-size:11px;font-weight:500;line-height:18px;vertical-align:1px}
.consent{font-size:13px;line-height:1.5;color:var(--hosted-muted);margin:0 0 14px}
.consent p+p{margin-top:6px}
.btn{display:flex;align-items:center;justify-content:center;width:100%;height:46px;border:0;border-radius:10px;background:var(--hosted-accent);color:var(--hosted-accent-fg);font:inherit;font-weight:600;cursor:pointer;text-decoration:none;transition:opacity .15s}
.btn:hover{opacity:.92}
.btn-ghost{background:transparent;color:var(--hosted-text);border:1px solid var(--hosted-control);height:40px;font-weight:500;font-size:14px}
.notice{border-radius:10px;padding:10px 12px;font-size:14px;margin:0 0 18px;border:1px solid #fde68a;background:#fffbeb;color:#92400e}
.notice.err{border-color:#fecaca;background:#fef2f2;color:#991b1b}
.hp{position:absolute!important;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
.icon{width:48px;height:48px;border-radius:999px;display:grid;place-items:center;margin:0 0 18px}
.icon svg{width:24px;height:24px}
.icon.ok{background:#dcfce7;color:var(--hosted-success)}
.icon.info{background:var(--hosted-page);background:color-mix(in srgb,var(--hosted-accent) 12%,#fff);color:var(--hosted-accent)}
.icon.warn{background:#fef3c7;color:#b45309}
.code{letter-spacing:.45em;text-align:center;font-size:24px;font-weight:600;height:56px;font-variant-numeric:tabular-nums;padding-left:calc(12px + .45em)}
.muted{color:var(--hosted-muted);font-size:14px}
.stack>*+*{margin-top:12px}
.sep{height:1px;background:var(--hosted-border);margin:22px 0}
@media (max-width:480px){.page{padding:24px 12px}.card{padding:24px 20px;border-radius:14px}h1{font-size:20px}}
`;

/** The logo (alt = the workspace's name) or its initials on the accent colour, then the name. */
export function renderBrandHeader(brand: HostedBrand): string {
  const mark = brand.logoSrc
    ? `<img class="logo" src="${escapeHtml(brand.logoSrc)}" alt="${escapeHtml(brand.name)}">`
    : `<span class="mark" aria-hidden="true">${escapeHtml(brandInitials(brand.name))}</span>`;
  return `<header class="brand">${mark}<span class="brand-name" data-testid="workspace-name">${escapeHtml(brand.name)}</span></header>`;
}

export interface HostedDocumentOptions {
  /** The workspace's brand; null or undefined: the product's own. */
  brand: HostedBrand | null | undefined;
  /** The document title (tab), followed by the brand's name. */
  title: string;
  /** Compact layout without page padding, for iframes. */
  embed?: boolean;
  /** The card's content, already escaped by the caller. */
  body: string;
}

/** A whole hosted page: brand header, the card holding `body`, the "Powered by" footer. */
export function renderHostedDocument({ brand: given, title, embed, body }: HostedDocumentOptions): string {
  const brand = hostedBrand(given);
  const variables = Object.entries(hostedCssVariables(brand))
    .map(([name, value]) => `${name}:${value}`)
    .join(";");
  return `<!doctype html>
<html lang="en"${embed ? ' class="embed"' : ""}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${escapeHtml(brand.name)}</title>
<style>${CSS}:root{${variables}}</style>
</head>
<body>
<div class="page"><div class="wrap">
${renderBrandHeader(brand)}
<main class="card">
${body}
</main>
<footer class="foot">${escapeHtml(POWERED_BY)}</footer>
</div></div>
</body>
</html>`;
}
