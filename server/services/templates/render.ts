import { z } from "zod";
import type { Queryable } from "@/db/client";
import { CHANNELS, TEMPLATE_CATEGORIES, TOPIC_KINDS, type Channel, type TemplateContent, type TemplateRow, type TopicKind } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { AppError } from "@/server/lib/errors";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { getContactRow, toContact } from "../contacts/rows";
import { maskContact, seesFullPii } from "../contacts/mask-contact";
import { requireAccess, type ServiceContext } from "../context";
import { resolvePostalAddress, SETUP_PROBLEM_CODES } from "./compliance";
import { checkTemplateContent, composeMessage, normalizeContent, SAMPLE_LINKS, TemplatePartError } from "./compose";
import { pickLocale } from "./locale";
import { findTemplate, findVersion, workspaceName } from "./rows";
import { ZComplianceProblem, isMarketingCategory, type TComplianceProblem } from "./schemas";
import { buildScope, sampleAttributes, sampleContact, sampleVariables, variantPaths, type ScopeContact } from "./scope";

export interface RenderRecipient {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  locale: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
}

export interface RenderInput {
  db: Queryable;
  workspaceId: string;
  source: { templateId: string } | { templateKey: string } | { content: { subject?: string; text: string; html?: string } };
  channel: Channel;
  kind: TopicKind;
  /** The caller's variables, at the top level in Liquid (`{{ order_id }}`). */
  variables: Record<string, unknown>;
  contact: RenderRecipient;
  workspace: { name: string };
  /** `{{ unsubscribe_url }}`, `{{ preferences_url }}` and the email footer; null = none (then a marketing email is refused). */
  links: { unsubscribeUrl: string; preferencesUrl: string } | null;
}

export interface RenderedMessage {
  subject: string | null;
  text: string;
  html: string | null;
  templateId: string | null;
  templateVersionId: string | null;
  templateVersion: number | null;
  locale: string | null;
}

function describeProblems(problems: TComplianceProblem[]): string {
  return problems.map((p) => p.message).join("; ");
}

/** Loads the live version of a usable template: not archived, of this channel. */
async function loadForSend(db: Queryable, workspaceId: string, by: { id: string } | { key: string }, channel: Channel) {
  const template = await findTemplate(db, workspaceId, by);
  if (template.archivedAt) throw new AppError("INVALID", `Template "${template.key}" is archived`, { field: "templateId" });
  if (template.channel !== channel) {
    throw new AppError("INVALID", `Template "${template.key}" is for ${template.channel === "sms" ? "SMS" : "email"}, not ${channel === "sms" ? "SMS" : "email"}`, { field: "templateId" });
  }
  const version = await findVersion(db, template);
  if (!version) throw new AppError("INVALID", `Template "${template.key}" has no content yet`, { field: "templateId" });
  return { template, version };
}

/**
 * Renders what one recipient gets, for the send pipeline. Picks the contact's locale (falling back
 * to the template's default), renders every part under the strict Liquid rules, wraps email in the
 * layout (footer with unsubscribe/preference links and postal address), adds the brand and opt-out
 * wording to a marketing SMS that lacks them, then runs the compliance check on the result.
 *
 * A marketing message is one whose send `kind` is marketing or whose template is promotional.
 * Throws NOT_FOUND for an unknown template (or another workspace's), INVALID naming the problem for
 * an archived or other-channel template, a failed render (unknown variable, limits) or a message
 * that fails the compliance check (e.g. POSTAL_ADDRESS not set for marketing email). No writes.
 */
export async function renderForSend(input: RenderInput): Promise<RenderedMessage> {
  const { db, workspaceId, source, channel, kind } = input;
  let content: TemplateContent;
  let template: TemplateRow | null = null;
  let versionId: string | null = null;
  let version: number | null = null;
  let locale: string | null = null;

  if ("content" in source) {
    content = normalizeContent(channel, { inline: { subject: source.content.subject, text: source.content.text ?? "", html: source.content.html } }).inline!;
  } else {
    const loaded = await loadForSend(db, workspaceId, "templateId" in source ? { id: source.templateId } : { key: source.templateKey }, channel);
    template = loaded.template;
    versionId = loaded.version.id;
    version = loaded.version.version;
    locale = pickLocale(Object.keys(loaded.version.variants), loaded.version.defaultLocale, input.contact.locale);
    content = loaded.version.variants[locale] ?? loaded.version.variants[loaded.version.defaultLocale]!;
  }

  const isMarketing = kind === "marketing" || (template !== null && isMarketingCategory(template.category));
  const scope = buildScope({ variables: input.variables, contact: input.contact, workspace: input.workspace, links: input.links });
  const name = template ? `Template "${template.key}"` : "The message";
  let composed;
  try {
    composed = await composeMessage({
      content,
      channel,
      isMarketing,
      brand: input.workspace.name,
      postalAddress: resolvePostalAddress(),
      scope,
      links: input.links,
      locale: locale ?? undefined,
    });
  } catch (error) {
    if (error instanceof TemplatePartError) throw new AppError("INVALID", `${name} could not be rendered: ${error.message}`, { cause: error });
    throw error;
  }
  // With the log transport nothing leaves the machine, so a missing POSTAL_ADDRESS is shown (the
  // footer carries the placeholder and the editor flags it) without blocking a demo; once a real
  // email provider is configured, a marketing email without a postal address is never sent.
  const logTransportOnly = channel === "email" && !getEnv().isResendConfigured;
  const blocking = composed.problems.filter((p) => p.severity === "error" && !(logTransportOnly && p.code === "postal_address_missing"));
  if (blocking.length > 0) throw new AppError("INVALID", `${name} fails the compliance check: ${describeProblems(blocking)}`);

  return {
    subject: composed.subject,
    text: composed.text,
    html: composed.html,
    templateId: template?.id ?? null,
    templateVersionId: versionId,
    templateVersion: version,
    locale,
  };
}

// ─── Preview (admin UI) ─────────────────────────────────────────────────────

/** A draft as the editor holds it: validated loosely so a half-typed template still previews. */
export const ZRenderPreviewInput = z.object({
  channel: z.enum(CHANNELS),
  category: z.enum(TEMPLATE_CATEGORIES),
  /** Preview as this kind of send (defaults to the category's). */
  kind: z.enum(TOPIC_KINDS).optional(),
  defaultLocale: z.string().max(35),
  variants: z.record(
    z.string().max(35),
    z.object({ subject: z.string().max(500).optional(), text: z.string().max(20_000).default(""), html: z.string().max(200_000).optional() }),
  ),
  variables: z.array(z.object({ name: z.string().max(64), sample: z.string().max(2000) })).max(50).default([]),
  /** Which variant to show; default: the contact's locale, else the default locale. */
  locale: z.string().max(35).optional(),
  /** Render for this contact instead of the sample contact. */
  contactId: z.uuid().optional(),
});
export type TRenderPreviewInput = z.input<typeof ZRenderPreviewInput>;

export const ZRenderPreview = z.object({
  locale: z.string(),
  subject: z.string().nullable(),
  text: z.string(),
  html: z.string().nullable(),
  /** For SMS: how the final body is encoded and billed. */
  sms: z.object({ encoding: z.enum(["GSM-7", "UCS-2"]), segments: z.number().int(), units: z.number().int() }).nullable(),
  /** Problems of the whole draft (every locale), as on save; plus render errors of the shown one. */
  problems: z.array(ZComplianceProblem),
  /** Whether saving is allowed: no errors other than server set-up. */
  canSave: z.boolean(),
  contact: z.object({ id: z.string(), label: z.string(), sample: z.boolean() }),
});
export type TRenderPreview = z.infer<typeof ZRenderPreview>;

/**
 * Renders a draft for the editor's live preview with the declared sample values and either the
 * sample contact or a chosen contact (decrypted; masked for viewers). Never throws on template
 * errors: they come back as problems. Not audited, no writes.
 */
export async function renderPreview({ ctx, input }: { ctx: ServiceContext; input: TRenderPreviewInput }): Promise<TRenderPreview> {
  const parsed = ZRenderPreviewInput.parse(input);
  const validVariables = parsed.variables.filter((v) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name));
  const variants = normalizeContent(parsed.channel, parsed.variants);
  const locales = Object.keys(variants);
  if (locales.length === 0) throw new AppError("INVALID", "Add at least one locale", { field: "variants" });
  const defaultLocale = Object.hasOwn(variants, parsed.defaultLocale) ? parsed.defaultLocale : locales[0]!;
  const brand = await workspaceName(ctx.db, ctx.workspaceId);
  const postalAddress = resolvePostalAddress();
  const links = SAMPLE_LINKS(getEnv().PUBLIC_URL);
  const isMarketing = parsed.kind ? parsed.kind === "marketing" : isMarketingCategory(parsed.category);

  const check = await checkTemplateContent({ channel: parsed.channel, isMarketing, brand, postalAddress, defaultLocale, variants, variables: validVariables, links });

  let contact: ScopeContact;
  let label: string;
  if (parsed.contactId) {
    // A real contact's fields end up in the answer: that is a contacts read (masked for viewers).
    requireAccess(ctx, { scope: "contacts:read", role: "viewer", what: "a preview for a contact (contactId)" });
    const row = await getContactRow(ctx.db, ctx.workspaceId, parsed.contactId);
    const full = toContact(row);
    const shown = seesFullPii(ctx.actor) ? full : maskContact(full);
    contact = shown;
    label = [shown.firstName, shown.lastName].filter(Boolean).join(" ") || shown.email || shown.phone || "Contact";
  } else {
    contact = sampleContact(null);
    label = "Sample contact";
  }
  const locale = pickLocale(locales, defaultLocale, parsed.locale ?? contact.locale);
  const content = variants[locale]!;
  if (!parsed.contactId) {
    let attributes: Record<string, unknown> = {};
    try {
      attributes = sampleAttributes(variantPaths(content));
    } catch {
      // A syntax error is reported by the check above.
    }
    contact = sampleContact(locale, attributes);
  }

  const scope = buildScope({ variables: sampleVariables(validVariables), contact, workspace: { name: brand }, links });
  const problems = [...check.problems];
  let subject: string | null = null;
  let text = "";
  let html: string | null = null;
  try {
    const composed = await composeMessage({ content, channel: parsed.channel, isMarketing, brand, postalAddress, scope, links, locale });
    subject = composed.subject;
    text = composed.text;
    html = composed.html;
    if (parsed.contactId) {
      for (const p of composed.problems) if (!problems.some((q) => q.code === p.code && q.locale === p.locale)) problems.push(p);
    }
  } catch (error) {
    if (!(error instanceof TemplatePartError)) throw error;
    const message = `${error.message}${parsed.contactId ? " (with this contact)" : ""}`;
    if (!problems.some((p) => p.locale === locale && p.message === error.message)) problems.push({ code: "render_failed", severity: "error", locale, message });
  }
  const segments = parsed.channel === "sms" && text ? countSmsSegments(text) : null;
  return {
    locale,
    subject,
    text,
    html,
    sms: segments ? { encoding: segments.encoding, segments: segments.segments, units: segments.units } : null,
    problems,
    canSave: !check.problems.some((p) => p.severity === "error" && !SETUP_PROBLEM_CODES.includes(p.code)),
    contact: { id: contact.id, label, sample: !parsed.contactId },
  };
}
