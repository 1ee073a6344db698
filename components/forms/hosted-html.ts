import type { FormDefinition } from "@/server/shared/forms";
import { escapeHtml } from "@/server/shared/html";

/**
 * The public pages a contact reaches from a form (`/f/{key}`, its success page, `/confirm/…`),
 * rendered to plain HTML with inline CSS and no JavaScript: they work without JS, inside an
 * iframe on any site, and load fast there. Pure string functions (no server imports), so the
 * admin builder's live preview renders exactly the same markup in a sandboxed iframe.
 * Every interpolated value goes through `escapeHtml` (server/shared/html.ts).
 */

/** Paragraphs and line breaks from plain text. */
function textBlock(value: string): string {
  return value
    .split(/\n{2,}/)
    .map((p) => escapeHtml(p.trim()).replace(/\n/g, "<br>"))
    .filter(Boolean)
    .join("</p><p>");
}

const CSS = `
:root{color-scheme:light;--fg:#18181b;--muted:#71717a;--border:#e4e4e7;--bg:#f4f4f5;--card:#fff;--accent:#18181b;--accent-fg:#fff;--danger:#dc2626;--ring:rgba(24,24,27,.14);--ok:#16a34a}
*{box-sizing:border-box}
html,body{margin:0}
body{font:15px/1.55 ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg);-webkit-font-smoothing:antialiased;text-rendering:optimizeLegibility}
.page{min-height:100vh;display:flex;align-items:flex-start;justify-content:center;padding:56px 16px}
.card{width:100%;max-width:440px;background:var(--card);border:1px solid var(--border);border-radius:16px;padding:32px;box-shadow:0 1px 2px rgba(0,0,0,.04),0 12px 32px -12px rgba(0,0,0,.08)}
.embed body{background:transparent}
.embed .page{min-height:0;padding:8px}
.embed .card{box-shadow:none}
.brand{display:flex;align-items:center;gap:10px;font-size:13px;font-weight:600;color:var(--muted);margin:0 0 22px}
.mark{flex:none;width:28px;height:28px;border-radius:8px;background:var(--accent);color:var(--accent-fg);display:grid;place-items:center;font-size:13px;font-weight:700;text-transform:uppercase}
h1{font-size:22px;line-height:1.25;margin:0 0 8px;letter-spacing:-.015em;font-weight:650;text-wrap:balance}
p{margin:0}
.lead{color:var(--muted);margin:0 0 24px}
.lead p+p{margin-top:8px}
.field{margin:0 0 16px}
label{display:block;font-size:14px;font-weight:550;margin:0 0 6px}
.opt{color:var(--muted);font-weight:400;font-size:13px}
.input{display:block;width:100%;height:44px;padding:0 12px;border:1px solid var(--border);border-radius:9px;font:inherit;background:#fff;color:inherit;transition:border-color .15s,box-shadow .15s}
.input::placeholder{color:#a1a1aa}
.input:focus{outline:none;border-color:var(--fg);box-shadow:0 0 0 3px var(--ring)}
.input[aria-invalid=true]{border-color:var(--danger)}
.input[aria-invalid=true]:focus{box-shadow:0 0 0 3px rgba(220,38,38,.15)}
.error{color:var(--danger);font-size:13px;margin-top:6px}
.topics{list-style:none;margin:4px 0 20px;padding:4px 14px;border:1px solid var(--border);border-radius:12px;background:#fafafa}
.topics li{display:flex;gap:10px;padding:10px 0}
.topics li+li{border-top:1px solid var(--border)}
.check{flex:none;width:18px;height:18px;margin-top:2px;border-radius:5px;background:var(--accent);display:grid;place-items:center}
.check svg{width:12px;height:12px;stroke:var(--accent-fg)}
.topic-name{font-weight:550;font-size:14px}
.topic-desc{color:var(--muted);font-size:13px}
.chip{display:inline-block;margin-left:6px;padding:0 6px;border-radius:999px;border:1px solid var(--border);background:#fff;color:var(--muted);font-size:11px;font-weight:500;line-height:18px;vertical-align:1px}
.consent{font-size:13px;line-height:1.5;color:var(--muted);margin:0 0 14px}
.consent p+p{margin-top:6px}
.btn{display:flex;align-items:center;justify-content:center;width:100%;height:46px;border:0;border-radius:9px;background:var(--accent);color:var(--accent-fg);font:inherit;font-weight:600;cursor:pointer;text-decoration:none;transition:opacity .15s}
.btn:hover{opacity:.9}
.btn:focus-visible{outline:none;box-shadow:0 0 0 3px var(--ring)}
.btn-ghost{background:transparent;color:var(--fg);border:1px solid var(--border);height:40px;font-weight:500;font-size:14px}
.notice{border-radius:10px;padding:10px 12px;font-size:14px;margin:0 0 18px;border:1px solid #fde68a;background:#fffbeb;color:#92400e}
.notice.err{border-color:#fecaca;background:#fef2f2;color:#991b1b}
.hp{position:absolute!important;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
.foot{margin-top:22px;font-size:12px;color:#a1a1aa;text-align:center}
.icon{width:48px;height:48px;border-radius:999px;display:grid;place-items:center;margin:0 0 18px}
.icon svg{width:24px;height:24px}
.icon.ok{background:#dcfce7;color:var(--ok)}
.icon.info{background:#f4f4f5;color:var(--fg)}
.icon.warn{background:#fef3c7;color:#b45309}
.code{letter-spacing:.45em;text-align:center;font-size:24px;font-weight:600;height:56px;font-variant-numeric:tabular-nums;padding-left:calc(12px + .45em)}
.muted{color:var(--muted);font-size:14px}
.stack>*+*{margin-top:12px}
.sep{height:1px;background:var(--border);margin:22px 0}
@media (max-width:480px){.page{padding:20px 12px}.card{padding:24px 20px;border-radius:14px}h1{font-size:20px}}
`;

const CHECK = `<svg viewBox="0 0 24 24" fill="none" stroke-width="3.2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M5 12.5l4.5 4.5L19 7.5"/></svg>`;
const ICONS = {
  ok: `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M5 12.5l4.5 4.5L19 7.5"/></svg>`,
  mail: `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="3" y="5" width="18" height="14" rx="2"/><path d="M3 7l9 6 9-6"/></svg>`,
  phone: `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="6" y="2.5" width="12" height="19" rx="2.5"/><path d="M11 18h2"/></svg>`,
  warn: `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5v.01"/></svg>`,
};
export type HostedIcon = keyof typeof ICONS;

export interface DocumentOptions {
  brand: string;
  /** The document title (tab). */
  title: string;
  /** Compact layout without page padding, for iframes. */
  embed?: boolean;
  body: string;
}

/** The HTML document around a page body: brand header, card, footer. */
export function renderDocument({ brand, title, embed, body }: DocumentOptions): string {
  const initial = escapeHtml((brand.trim()[0] ?? "•").toUpperCase());
  return `<!doctype html>
<html lang="en"${embed ? ' class="embed"' : ""}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${escapeHtml(brand)}</title>
<style>${CSS}</style>
</head>
<body>
<main class="page"><div class="card">
<div class="brand"><span class="mark" aria-hidden="true">${initial}</span><span>${escapeHtml(brand)}</span></div>
${body}
<p class="foot">Powered by OptIn Manager</p>
</div></main>
</body>
</html>`;
}

export interface HostedTopic {
  name: string;
  description?: string | null;
  channels: ("email" | "sms")[];
}

export type FieldName = FormDefinition["fields"][number]["name"];

const FIELD_INPUT: Record<
  FieldName,
  { type: string; autocomplete: string; label: string; inputmode?: string; placeholder?: string }
> = {
  email: { type: "email", autocomplete: "email", label: "Email", inputmode: "email", placeholder: "you@example.com" },
  phone: { type: "tel", autocomplete: "tel", label: "Mobile phone", inputmode: "tel", placeholder: "+1 555 123 4567" },
  firstName: { type: "text", autocomplete: "given-name", label: "First name" },
  lastName: { type: "text", autocomplete: "family-name", label: "Last name" },
};

export interface FormPageOptions {
  brand: string;
  definition: Pick<FormDefinition, "title" | "description" | "fields" | "consentText" | "submitLabel">;
  topics: HostedTopic[];
  /** Where the form posts (`/f/{key}`); empty in the preview. */
  action: string;
  /** Hidden anti-forgery token. */
  token?: string;
  values?: Partial<Record<FieldName, string>>;
  errors?: Partial<Record<FieldName, string>>;
  notice?: { text: string; tone?: "warn" | "error" };
  embed?: boolean;
}

function channelLabel(channels: ("email" | "sms")[]): string {
  return channels.map((c) => (c === "sms" ? "SMS" : "Email")).join(" · ");
}

/** The hosted opt-in form: fields, what you subscribe to, the consent text next to the button. */
export function renderFormPage(options: FormPageOptions): string {
  const { definition, values = {}, errors = {} } = options;
  const fields = definition.fields
    .map((field) => {
      const spec = FIELD_INPUT[field.name];
      const id = `f-${field.name}`;
      const error = errors[field.name];
      return `<div class="field">
<label for="${id}">${escapeHtml(field.label || spec.label)}${field.required ? "" : ' <span class="opt">(optional)</span>'}</label>
<input class="input" id="${id}" name="${field.name}" type="${spec.type}" autocomplete="${spec.autocomplete}"${spec.inputmode ? ` inputmode="${spec.inputmode}"` : ""}${
        spec.placeholder ? ` placeholder="${escapeHtml(spec.placeholder)}"` : ""
      } value="${escapeHtml(values[field.name] ?? "")}" maxlength="254"${field.required ? " required" : ""}${
        error ? ` aria-invalid="true" aria-describedby="${id}-error"` : ""
      }>
${error ? `<p class="error" id="${id}-error">${escapeHtml(error)}</p>` : ""}</div>`;
    })
    .join("\n");
  const topics = options.topics.length
    ? `<ul class="topics" aria-label="You are signing up for">${options.topics
        .map(
          (t) =>
            `<li><span class="check">${CHECK}</span><span><span class="topic-name">${escapeHtml(t.name)}</span><span class="chip">${channelLabel(t.channels)}</span>${
              t.description ? `<br><span class="topic-desc">${escapeHtml(t.description)}</span>` : ""
            }</span></li>`,
        )
        .join("")}</ul>`
    : "";
  const notice = options.notice
    ? `<div class="notice${options.notice.tone === "error" ? " err" : ""}" role="alert">${escapeHtml(options.notice.text)}</div>`
    : "";
  const body = `<h1>${escapeHtml(definition.title)}</h1>
${definition.description ? `<div class="lead"><p>${textBlock(definition.description)}</p></div>` : '<div class="lead"></div>'}
${notice}
<form method="post" action="${escapeHtml(options.action)}" accept-charset="utf-8">
${options.token ? `<input type="hidden" name="_token" value="${escapeHtml(options.token)}">` : ""}
${options.embed ? '<input type="hidden" name="embed" value="1">' : ""}
<div class="hp" aria-hidden="true"><label for="f-website">Website</label><input id="f-website" name="website" type="text" tabindex="-1" autocomplete="off"></div>
${fields}
${topics}
<div class="consent" id="consent-text"><p>${textBlock(definition.consentText)}</p></div>
<button class="btn" type="submit" aria-describedby="consent-text">${escapeHtml(definition.submitLabel || "Subscribe")}</button>
</form>`;
  return renderDocument({ brand: options.brand, title: definition.title, embed: options.embed, body });
}

/** A result page: icon, heading, text, optional extra HTML (already escaped by the caller). */
export function renderMessagePage({
  brand,
  title,
  message,
  icon = "ok",
  embed,
  extraHtml = "",
}: {
  brand: string;
  title: string;
  message: string;
  icon?: HostedIcon;
  embed?: boolean;
  extraHtml?: string;
}): string {
  const tone = icon === "ok" ? "ok" : icon === "warn" ? "warn" : "info";
  const body = `<div class="icon ${tone}">${ICONS[icon]}</div>
<h1>${escapeHtml(title)}</h1>
<div class="lead"><p>${textBlock(message)}</p></div>
${extraHtml}`;
  return renderDocument({ brand, title, embed, body });
}

/** The email link's page: says what is being confirmed; the button POSTs (a GET never confirms). */
export function renderConfirmLinkPage({
  brand,
  topicNames,
  sentTo,
  action,
}: {
  brand: string;
  topicNames: string[];
  sentTo: string | null;
  action: string;
}): string {
  const what = topicNames.length ? topicNames.map(escapeHtml).join(", ") : "messages";
  const body = `<div class="icon info">${ICONS.mail}</div>
<h1>Confirm your subscription</h1>
<div class="lead"><p>You asked to receive <strong>${what}</strong> from ${escapeHtml(brand)}${sentTo ? ` at <strong>${escapeHtml(sentTo)}</strong>` : ""}. Press the button to confirm.</p></div>
<form method="post" action="${escapeHtml(action)}"><button class="btn" type="submit">Confirm my subscription</button></form>
<p class="muted" style="margin-top:14px">Didn't ask for this? Just close this page: you won't be subscribed.</p>`;
  return renderDocument({ brand, title: "Confirm your subscription", body });
}

/** The SMS code entry page (also reached inside the form's iframe). */
export function renderCodePage({
  brand,
  sentTo,
  action,
  error,
  attemptsLeft,
  emailAlsoPending,
  embed,
}: {
  brand: string;
  sentTo: string | null;
  action: string;
  error?: string;
  attemptsLeft: number;
  emailAlsoPending?: boolean;
  embed?: boolean;
}): string {
  const body = `<div class="icon info">${ICONS.phone}</div>
<h1>Enter your code</h1>
<div class="lead"><p>We sent a 6-digit code by text message${sentTo ? ` to <strong>${escapeHtml(sentTo)}</strong>` : ""}. Enter it to confirm your subscription.</p>${
    emailAlsoPending ? "<p>We also emailed you a link to confirm your email address.</p>" : ""
  }</div>
<form method="post" action="${escapeHtml(action)}">
${embed ? '<input type="hidden" name="embed" value="1">' : ""}
<div class="field">
<label for="f-code">Confirmation code</label>
<input class="input code" id="f-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 -]*" maxlength="9" required${
    error ? ' aria-invalid="true" aria-describedby="f-code-error"' : ""
  }>
${error ? `<p class="error" id="f-code-error">${escapeHtml(error)}</p>` : `<p class="muted" style="margin-top:6px">${attemptsLeft} ${attemptsLeft === 1 ? "try" : "tries"} left · the code works for 15 minutes</p>`}
</div>
<button class="btn" type="submit" name="intent" value="confirm">Confirm</button>
</form>
<div class="sep"></div>
<form method="post" action="${escapeHtml(action)}">
${embed ? '<input type="hidden" name="embed" value="1">' : ""}
<button class="btn btn-ghost" type="submit" name="intent" value="resend" formnovalidate>Send me a new code</button>
</form>`;
  return renderDocument({ brand, title: "Enter your code", embed, body });
}
