import { escapeHtml } from "@/server/shared/html";
import type { TContactExport } from "./export-contact";

const cell = (value: unknown): string => {
  if (value === null || value === undefined || value === "") return "—";
  if (value instanceof Date) return escapeHtml(value.toISOString());
  if (typeof value === "object") return escapeHtml(JSON.stringify(value));
  return escapeHtml(String(value));
};

function table(caption: string, headers: string[], rows: unknown[][]): string {
  const head = headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("");
  const body = rows.length
    ? rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join("")}</tr>`).join("\n")
    : `<tr><td colspan="${headers.length}">None</td></tr>`;
  return `<section><h2>${escapeHtml(caption)}</h2><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></section>`;
}

const evidenceText = (evidence: Record<string, unknown>) =>
  Object.entries(evidence)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("; ");

/**
 * The contact export as one self-contained, printable HTML page (no scripts, no external
 * resources; every value escaped). Same content as the JSON document.
 */
export function renderContactExportHtml(doc: TContactExport): string {
  const c = doc.contact;
  const name = [c.firstName, c.lastName].filter(Boolean).join(" ") || c.email || c.phone || c.id;
  const profile: [string, unknown][] = [
    ["Contact id", c.id],
    ["Email", c.email],
    ["Phone", c.phone],
    ["First name", c.firstName],
    ["Last name", c.lastName],
    ["Locale", c.locale],
    ["Time zone", c.timezone],
    ["Tags", c.tags.join(", ")],
    ["Created", c.createdAt],
    ["Updated", c.updatedAt],
    ["Erased", c.erasedAt],
  ];
  const sections = [
    `<section><h2>Profile</h2><dl>${profile.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${cell(v)}</dd>`).join("")}</dl></section>`,
    table(
      "Attributes",
      ["Name", "Value"],
      Object.entries(c.attributes).map(([k, v]) => [k, v]),
    ),
    table(
      "Current consent",
      ["Channel", "Topic", "Status", "Source", "Since"],
      doc.consentStates.map((s) => [s.channel, s.topic, s.status, s.source, s.updatedAt]),
    ),
    table(
      "Consent history",
      ["When", "Channel", "Topic", "Action", "Source", "Evidence", "Consent text"],
      doc.consentHistory.map((e) => [
        e.occurredAt,
        e.channel,
        e.topicName,
        e.needsConfirmation ? `${e.action} (awaiting confirmation)` : e.action,
        e.source,
        evidenceText(e.evidence),
        e.consentText,
      ]),
    ),
    table(
      "Form submissions",
      ["When", "Form", "Version", "Channel", "Topics"],
      doc.formSubmissions.map((f) => [f.occurredAt, f.formName, f.formVersion, f.channel, f.topics.join(", ")]),
    ),
    table(
      "Imports",
      ["When", "Import id", "File", "Line"],
      doc.imports.map((i) => [i.at, i.importId, i.filename, i.line]),
    ),
    table(
      "Messages",
      ["When", "Direction", "Channel", "Kind", "Topic", "Status", "To", "Subject", "Timeline"],
      doc.messages.map((m) => [
        m.createdAt,
        m.direction,
        m.channel,
        m.kind,
        m.topic,
        m.reason ? `${m.status} (${m.reason})` : m.status,
        m.address,
        m.subject,
        m.events.map((e) => `${e.occurredAt.toISOString()} ${e.status}`).join("; "),
      ]),
    ),
    table(
      "Suppressions",
      ["Channel", "Reason", "Source", "Since"],
      doc.suppressions.map((s) => [s.channel, s.reason, s.source, s.createdAt]),
    ),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Personal data of ${escapeHtml(name)}</title>
<meta name="robots" content="noindex">
<style>
body{font:14px/1.45 system-ui,sans-serif;color:#111;margin:2rem auto;max-width:72rem;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f4f4f4}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
@media print{body{margin:0;max-width:none}section{break-inside:avoid-page}}
</style></head>
<body><h1>Personal data of ${escapeHtml(name)}</h1>
<p>Exported ${escapeHtml(doc.exportedAt.toISOString())} (format ${escapeHtml(doc.format)}).</p>
${sections.join("\n")}
</body></html>
`;
}
