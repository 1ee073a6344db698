import { z } from "zod";
import { CHANNELS, TEMPLATE_CATEGORIES, TOPIC_KINDS } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { AppError } from "@/server/lib/errors";
import { countSmsSegments } from "@/server/shared/sms-segments";
import { tagLinksInHtml, tagLinksInText } from "@/server/shared/utm";
import { getContactRow, toContact } from "../contacts/rows";
import { maskContact, seesFullPii } from "../contacts/mask-contact";
import { requireAccess, type ServiceContext } from "../context";
import { resolvePostalAddress, SETUP_PROBLEM_CODES } from "./compliance";
import { checkTemplateContent, composeMessage, normalizeContent, SAMPLE_LINKS, TemplatePartError } from "./compose";
import { pickLocale } from "./locale";
import { workspaceFrom, workspacePostalAddress } from "../workspaces/sender";
import { workspacePresentation } from "./rows";
import { ZComplianceProblem, isMarketingCategory } from "./schemas";
import { buildScope, sampleAttributes, sampleContact, sampleVariables, variantPaths, type ScopeContact } from "./scope";

/** A draft as the editor holds it: validated loosely so a half-typed template still previews. */
export const ZRenderPreviewInput = z.object({
  channel: z.enum(CHANNELS),
  category: z.enum(TEMPLATE_CATEGORIES),
  /** Preview as this kind of send (defaults to the category's). */
  kind: z.enum(TOPIC_KINDS).optional(),
  defaultLocale: z.string().max(35),
  variants: z.record(
    z.string().max(35),
    z.object({
      subject: z.string().max(500).optional(),
      text: z.string().max(20_000).default(""),
      html: z.string().max(200_000).optional(),
    }),
  ),
  variables: z
    .array(z.object({ name: z.string().max(64), sample: z.string().max(2000) }))
    .max(50)
    .default([]),
  /** Which variant to show; default: the contact's locale, else the default locale. */
  locale: z.string().max(35).optional(),
  /** Render for this contact instead of the sample contact. */
  contactId: z.uuid().optional(),
  /** Email: a campaign's preheader (hidden preview line at the top of the HTML). */
  preheader: z.string().max(200).optional(),
  /** Email: a campaign's UTM parameters (`utm_source`…), appended to the links as a send would. */
  utm: z.record(z.string().regex(/^utm_[a-z]+$/), z.string().max(100)).optional(),
});
export type TRenderPreviewInput = z.input<typeof ZRenderPreviewInput>;

export const ZRenderPreview = z.object({
  locale: z.string(),
  subject: z.string().nullable(),
  text: z.string(),
  html: z.string().nullable(),
  /** For SMS: how the final body is encoded and billed. */
  sms: z
    .object({ encoding: z.enum(["GSM-7", "UCS-2"]), segments: z.number().int(), units: z.number().int() })
    .nullable(),
  /** Problems of the whole draft (every locale), as on save; plus render errors of the shown one. */
  problems: z.array(ZComplianceProblem),
  /** Whether saving is allowed: no errors other than server set-up. */
  canSave: z.boolean(),
  contact: z.object({ id: z.string(), label: z.string(), sample: z.boolean() }),
  /** The From an email of this workspace carries (sender name on EMAIL_FROM's address); null for SMS. */
  from: z.string().nullable(),
});
export type TRenderPreview = z.infer<typeof ZRenderPreview>;

/**
 * Renders a draft for the editor's live preview with the declared sample values and either the
 * sample contact or a chosen contact (decrypted; masked for viewers). Never throws on template
 * errors: they come back as problems. Not audited, no writes.
 */
export async function renderPreview({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TRenderPreviewInput;
}): Promise<TRenderPreview> {
  const parsed = ZRenderPreviewInput.parse(input);
  const validVariables = parsed.variables.filter((v) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name));
  const variants = normalizeContent(parsed.channel, parsed.variants);
  const locales = Object.keys(variants);
  if (locales.length === 0) throw new AppError("INVALID", "Add at least one locale", { field: "variants" });
  const defaultLocale = Object.hasOwn(variants, parsed.defaultLocale) ? parsed.defaultLocale : locales[0]!;
  const workspace = await workspacePresentation(ctx.db, ctx.workspaceId);
  const brand = workspace.name;
  const postalAddress = resolvePostalAddress(workspacePostalAddress(workspace.profile));
  const links = SAMPLE_LINKS(getEnv().PUBLIC_URL);
  const isMarketing = parsed.kind ? parsed.kind === "marketing" : isMarketingCategory(parsed.category);

  const check = await checkTemplateContent({
    channel: parsed.channel,
    isMarketing,
    brand,
    postalAddress,
    defaultLocale,
    variants,
    variables: validVariables,
    links,
  });

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
    const composed = await composeMessage({
      content,
      channel: parsed.channel,
      isMarketing,
      brand,
      postalAddress,
      scope,
      links,
      locale,
      ...(parsed.preheader ? { preheader: parsed.preheader } : {}),
    });
    subject = composed.subject;
    text = composed.text;
    html = composed.html;
    if (parsed.utm && parsed.channel === "email") {
      // As renderForSend tags a campaign email: never the unsubscribe, preference or the app's own links.
      const skip = { urls: [links.unsubscribeUrl, links.preferencesUrl], origins: [getEnv().PUBLIC_URL] };
      text = tagLinksInText(text, parsed.utm, skip);
      html = html === null ? null : tagLinksInHtml(html, parsed.utm, skip);
    }
    if (parsed.contactId) {
      for (const p of composed.problems)
        if (!problems.some((q) => q.code === p.code && q.locale === p.locale)) problems.push(p);
    }
  } catch (error) {
    if (!(error instanceof TemplatePartError)) throw error;
    const message = `${error.message}${parsed.contactId ? " (with this contact)" : ""}`;
    if (!problems.some((p) => p.locale === locale && p.message === error.message))
      problems.push({ code: "render_failed", severity: "error", locale, message });
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
    from: parsed.channel === "email" ? workspaceFrom(workspace.profile) : null,
  };
}
