import type { Channel, TemplateCategory } from "@/server/shared/enums";
import type { TTemplateDetail } from "@/server/services/templates";

/**
 * The template editor's draft: what the form holds between saves, and the pure conversions to and
 * from what the server stores and renders. No React here.
 */
export type VariantDraft = { subject: string; text: string; html: string; doc?: unknown };
export type VariableDraft = { name: string; sample: string; description?: string };
export type Draft = {
  name: string;
  key: string;
  channel: Channel;
  category: TemplateCategory;
  topicKey: string | null;
  defaultLocale: string;
  variants: Record<string, VariantDraft>;
  variables: VariableDraft[];
};

export function starterVariant(channel: Channel): VariantDraft {
  return channel === "email"
    ? {
        subject: "News from {{ workspace.name }}",
        text: "",
        html: '<h1>Hi {{ contact.first_name | default: "there" }},</h1><p>Write your message here. Type Liquid such as {{ workspace.name }} straight into the text.</p>',
      }
    : { subject: "", text: "{{ workspace.name }}: ", html: "" };
}

export function newDraft(channel: Channel): Draft {
  return {
    name: "",
    key: "",
    channel,
    category: "promotional",
    topicKey: null,
    defaultLocale: "en",
    variants: { en: starterVariant(channel) },
    variables: [],
  };
}

export function draftFrom(t: TTemplateDetail): Draft {
  const current = t.current;
  return {
    name: t.name,
    key: t.key,
    channel: t.channel,
    category: t.category,
    topicKey: t.topicKey,
    defaultLocale: current?.defaultLocale ?? "en",
    variants: Object.fromEntries(
      Object.entries(current?.variants ?? { en: { text: "" } }).map(([locale, c]) => [
        locale,
        { subject: c.subject ?? "", text: t.channel === "sms" ? c.text : "", html: c.html ?? "", doc: c.doc },
      ]),
    ),
    variables: (current?.variables ?? []).map((v) => ({ name: v.name, sample: v.sample, description: v.description })),
  };
}

/** What the server gets: email bodies as HTML (+ editor document), SMS as text. */
export function contentOf(draft: Draft) {
  return {
    defaultLocale: draft.defaultLocale,
    variants: Object.fromEntries(
      Object.entries(draft.variants).map(([locale, v]) => [
        locale,
        draft.channel === "email"
          ? { subject: v.subject, text: "", html: v.html, ...(v.doc !== undefined ? { doc: v.doc } : {}) }
          : { text: v.text },
      ]),
    ),
    variables: draft.variables.map((v) => ({
      name: v.name.trim(),
      sample: v.sample,
      ...(v.description ? { description: v.description } : {}),
    })),
  };
}

/** The live preview's request for `draft` in `locale`, optionally as `contactId` would see it. */
export function previewRequest(draft: Draft, locale: string, contactId: string | null) {
  const content = contentOf(draft);
  return {
    channel: draft.channel,
    category: draft.category,
    defaultLocale: content.defaultLocale,
    variants: Object.fromEntries(
      Object.entries(content.variants).map(([l, v]) => [
        l,
        { subject: "subject" in v ? v.subject : undefined, text: v.text, html: "html" in v ? v.html : undefined },
      ]),
    ),
    variables: content.variables.filter((v) => v.name),
    locale,
    contactId: contactId ?? undefined,
  };
}
