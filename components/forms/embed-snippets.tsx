"use client";

import { CopyButton } from "@/components/ui/copy-button";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { escapeHtml } from "@/server/shared/html";
import { FIELD_DEFAULT_LABELS, TOPIC_CHOICE_FIELD, type FormDefinition } from "@/server/shared/forms";
import type { HostedTopic } from "./hosted-html";

const INPUT_TYPES = { email: "email", phone: "tel", firstName: "text", lastName: "text" } as const;

/**
 * The topic part of the plain HTML form, as on the hosted page: several topics are unticked
 * checkboxes (`topics` = the topic's key), one topic is only named.
 */
function topicsSnippet(topics: HostedTopic[]): string {
  if (topics.length === 0) return "";
  if (topics.length === 1) return `  <p>You're signing up for ${escapeHtml(topics[0]!.name)}</p>\n`;
  const boxes = topics
    .map(
      (t) =>
        `    <label><input type="checkbox" name="${TOPIC_CHOICE_FIELD}" value="${escapeHtml(t.key)}"> ${escapeHtml(t.name)}</label>`,
    )
    .join("\n");
  return `  <fieldset>\n    <legend>Choose what you'd like to get</legend>\n${boxes}\n  </fieldset>\n`;
}

/** Copy-paste ways to use a form: its link, an iframe, and a plain HTML form posting to `/f/{key}`. */
export function EmbedSnippets({
  url,
  definition,
  topics,
}: {
  url: string;
  definition: FormDefinition;
  /** The form's live topics, in its order. */
  topics: HostedTopic[];
}) {
  const iframe = `<iframe src="${url}?embed=1" title="${escapeHtml(definition.title)}" style="width:100%;max-width:480px;height:640px;border:0" loading="lazy"></iframe>`;
  const fields = definition.fields
    .map((f) => {
      const label = escapeHtml(f.label || FIELD_DEFAULT_LABELS[f.name]);
      return `  <label>${label}\n    <input type="${INPUT_TYPES[f.name]}" name="${f.name}"${f.required ? " required" : ""}>\n  </label>`;
    })
    .join("\n");
  const html = `<form method="post" action="${url}">
${fields}
${topicsSnippet(topics)}  <p>${escapeHtml(definition.consentText)}</p>
  <button type="submit">${escapeHtml(definition.submitLabel || "Subscribe")}</button>
</form>`;
  const snippets = [
    { id: "link", label: "Link", value: url, hint: "Share it anywhere: emails, social posts, QR codes." },
    {
      id: "iframe",
      label: "Iframe",
      value: iframe,
      hint: "Paste into your site's HTML. The form, its confirmation step and thank-you page all stay inside the frame.",
    },
    {
      id: "html",
      label: "HTML form",
      value: html,
      hint: "Style it like your site. For safety the first submission opens our page with the details filled in, and one more click confirms it. Keep the consent text exactly as shown.",
    },
  ];
  return (
    <Tabs defaultValue="iframe" className="grid gap-3">
      <TabsList>
        {snippets.map((s) => (
          <TabsTrigger key={s.id} value={s.id}>
            {s.label}
          </TabsTrigger>
        ))}
      </TabsList>
      {snippets.map((s) => (
        <TabsContent key={s.id} value={s.id} className="grid gap-2">
          <div className="relative">
            <pre
              className="max-h-56 overflow-auto rounded-md border bg-muted/50 p-3 pr-12 text-xs leading-relaxed break-all whitespace-pre-wrap"
              data-testid={`snippet-${s.id}`}
            >
              {s.value}
            </pre>
            <CopyButton
              value={s.value}
              srLabel={`Copy ${s.label.toLowerCase()} snippet`}
              size="icon-sm"
              variant="ghost"
              className="absolute top-2 right-2"
            />
          </div>
          <p className="text-xs text-muted-foreground">{s.hint}</p>
        </TabsContent>
      ))}
    </Tabs>
  );
}
