import { renderHostedDocument } from "@/components/hosted/document";
import { hostedBrand, type HostedBrand } from "@/components/hosted/theme";
import { TOPIC_CHOICE_FIELD, type FormDefinition } from "@/server/shared/forms";
import { escapeHtml } from "@/server/shared/html";

/**
 * The public pages a contact reaches from a form (`/f/{key}`, its success page, `/confirm/…`),
 * rendered to plain HTML with inline CSS and no JavaScript: they work without JS, inside an
 * iframe on any site, and load fast there. Pure string functions (no server imports), so the
 * admin builder's live preview renders exactly the same markup in a sandboxed iframe. The frame
 * (brand, card, footer) and the styles are the hosted pages' shared ones (components/hosted/).
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

const ICONS = {
  ok: `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M5 12.5l4.5 4.5L19 7.5"/></svg>`,
  mail: `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="3" y="5" width="18" height="14" rx="2"/><path d="M3 7l9 6 9-6"/></svg>`,
  phone: `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="6" y="2.5" width="12" height="19" rx="2.5"/><path d="M11 18h2"/></svg>`,
  warn: `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5v.01"/></svg>`,
};
export type HostedIcon = keyof typeof ICONS;

export interface HostedTopic {
  /** The topic's key: the value of its checkbox when the form offers several topics. */
  key: string;
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
  /** The workspace's brand; null: the product's own. */
  brand: HostedBrand | null;
  definition: Pick<FormDefinition, "title" | "description" | "fields" | "consentText" | "submitLabel">;
  topics: HostedTopic[];
  /** Where the form posts (`/f/{key}`); empty in the preview. */
  action: string;
  /** Hidden anti-forgery token. */
  token?: string;
  values?: Partial<Record<FieldName, string>>;
  /** Keys of the topics the person ticked (kept when the form comes back with an error). */
  chosenTopics?: string[];
  errors?: Partial<Record<FieldName | "topics", string>>;
  notice?: { text: string; tone?: "warn" | "error" };
  embed?: boolean;
}

function channelLabel(channels: ("email" | "sms")[]): string {
  return channels.map((c) => (c === "sms" ? "SMS" : "Email")).join(" · ");
}

function topicChip(topic: HostedTopic, id?: string): string {
  return `<span class="chip"${id ? ` id="${id}"` : ""}>${channelLabel(topic.channels)}</span>`;
}

/**
 * What the person subscribes to. One topic: shown, nothing to tick (submitting subscribes to it).
 * Several: a checkbox each, none ticked until the person ticks it; only ticked ones are recorded.
 */
function renderTopics(options: FormPageOptions): string {
  const { topics } = options;
  if (topics.length === 0) return "";
  if (topics.length === 1) {
    const topic = topics[0]!;
    return `<div class="topics"><p class="topics-label">You're signing up for</p><div class="topic-list"><div class="topic"><span><span class="topic-name">${escapeHtml(topic.name)}</span>${topicChip(topic)}${
      topic.description ? `<span class="topic-desc">${escapeHtml(topic.description)}</span>` : ""
    }</span></div></div></div>`;
  }
  const chosen = new Set(options.chosenTopics ?? []);
  const error = options.errors?.topics;
  const items = topics
    .map((topic, i) => {
      // The box is named by the topic alone; its channels and description describe it.
      const id = `t-${i}`;
      const described = [`${id}-ch`, ...(topic.description ? [`${id}-desc`] : [])].join(" ");
      return `<div class="topic"><input type="checkbox" id="${id}" name="${TOPIC_CHOICE_FIELD}" value="${escapeHtml(topic.key)}"${
        chosen.has(topic.key) ? " checked" : ""
      } aria-describedby="${described}"><span><label for="${id}" class="topic-name">${escapeHtml(topic.name)}</label>${topicChip(topic, `${id}-ch`)}${
        topic.description ? `<span class="topic-desc" id="${id}-desc">${escapeHtml(topic.description)}</span>` : ""
      }</span></div>`;
    })
    .join("");
  return `<fieldset class="topics${error ? ' invalid" aria-describedby="topics-error' : ""}"><legend class="topics-label">Choose what you'd like to get</legend><div class="topic-list">${items}</div>${
    error ? `<p class="error" id="topics-error">${escapeHtml(error)}</p>` : ""
  }</fieldset>`;
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
${renderTopics(options)}
<div class="consent" id="consent-text"><p>${textBlock(definition.consentText)}</p></div>
<button class="btn" type="submit" aria-describedby="consent-text">${escapeHtml(definition.submitLabel || "Subscribe")}</button>
</form>`;
  return renderHostedDocument({ brand: options.brand, title: definition.title, embed: options.embed, body });
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
  /** The workspace's brand; null or left out: the product's own. */
  brand?: HostedBrand | null;
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
  return renderHostedDocument({ brand, title, embed, body });
}

/** The email link's page: says what is being confirmed; the button POSTs (a GET never confirms). */
export function renderConfirmLinkPage({
  brand,
  topicNames,
  sentTo,
  action,
}: {
  brand: HostedBrand | null;
  topicNames: string[];
  sentTo: string | null;
  action: string;
}): string {
  const what = topicNames.length ? topicNames.map(escapeHtml).join(", ") : "messages";
  const body = `<div class="icon info">${ICONS.mail}</div>
<h1>Confirm your subscription</h1>
<div class="lead"><p>You asked to receive <strong>${what}</strong> from ${escapeHtml(hostedBrand(brand).name)}${sentTo ? ` at <strong>${escapeHtml(sentTo)}</strong>` : ""}. Press the button to confirm.</p></div>
<form method="post" action="${escapeHtml(action)}"><button class="btn" type="submit">Confirm my subscription</button></form>
<p class="muted" style="margin-top:14px">Didn't ask for this? Just close this page: you won't be subscribed.</p>`;
  return renderHostedDocument({ brand, title: "Confirm your subscription", body });
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
  brand: HostedBrand | null;
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
  return renderHostedDocument({ brand, title: "Enter your code", embed, body });
}
