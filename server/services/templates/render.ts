import type { Queryable } from "@/db/client";
import type { Channel, TemplateContent, TemplateRow, TopicKind } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { AppError } from "@/server/lib/errors";
import { tagLinksInHtml, tagLinksInText, type UtmParameters } from "@/server/shared/utm";
import { resolvePostalAddress } from "./compliance";
import { composeMessage, normalizeContent, TemplatePartError } from "./compose";
import { addEmailExtras, type EmailFileLink } from "./email-extras";
import { pickLocale } from "./locale";
import { findTemplate, findVersion } from "./rows";
import { isMarketingCategory, type TComplianceProblem } from "./schemas";
import { buildScope } from "./scope";

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
  source:
    | { templateId: string }
    | { templateKey: string }
    | { content: { subject?: string; text: string; html?: string; preheader?: string } };
  channel: Channel;
  kind: TopicKind;
  /** The caller's variables, at the top level in Liquid (`{{ order_id }}`). */
  variables: Record<string, unknown>;
  contact: RenderRecipient;
  /** `postalAddress`: the workspace's (else POSTAL_ADDRESS); undefined shows the placeholder. */
  workspace: { name: string; postalAddress?: string };
  /**
   * `{{ unsubscribe_url }}`, `{{ preferences_url }}` and the email footer; null = none (then a
   * marketing email is refused). `webVersionUrl` (email): `{{ web_version_url }}` and a "View in
   * your browser" line at the top of the email.
   */
  links: { unsubscribeUrl: string; preferencesUrl: string; webVersionUrl?: string } | null;
  /** Email: a campaign's files sent as links, listed under "Files" at the end of the body. */
  files?: EmailFileLink[];
  /**
   * A campaign email's UTM parameters (`utm_source`…), appended to its http(s) links in the HTML
   * and the text (`server/shared/utm.ts`); never to the unsubscribe and preference links nor to
   * any link to the product's own pages (PUBLIC_URL). Ignored for SMS.
   */
  utm?: UtmParameters;
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
  if (template.archivedAt)
    throw new AppError("INVALID", `Template "${template.key}" is archived`, { field: "templateId" });
  if (template.channel !== channel) {
    throw new AppError(
      "INVALID",
      `Template "${template.key}" is for ${template.channel === "sms" ? "SMS" : "email"}, not ${channel === "sms" ? "SMS" : "email"}`,
      { field: "templateId" },
    );
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
  let preheader: string | undefined;

  if ("content" in source) {
    preheader = source.content.preheader;
    content = normalizeContent(channel, {
      inline: { subject: source.content.subject, text: source.content.text ?? "", html: source.content.html },
    }).inline!;
  } else {
    const loaded = await loadForSend(
      db,
      workspaceId,
      "templateId" in source ? { id: source.templateId } : { key: source.templateKey },
      channel,
    );
    template = loaded.template;
    versionId = loaded.version.id;
    version = loaded.version.version;
    locale = pickLocale(Object.keys(loaded.version.variants), loaded.version.defaultLocale, input.contact.locale);
    content = loaded.version.variants[locale] ?? loaded.version.variants[loaded.version.defaultLocale]!;
  }

  const isMarketing = kind === "marketing" || (template !== null && isMarketingCategory(template.category));
  const scope = buildScope({
    variables: input.variables,
    contact: input.contact,
    workspace: input.workspace,
    links: input.links,
  });
  const name = template ? `Template "${template.key}"` : "The message";
  let composed;
  try {
    composed = await composeMessage({
      content,
      channel,
      isMarketing,
      brand: input.workspace.name,
      postalAddress: resolvePostalAddress(input.workspace.postalAddress),
      scope,
      links: input.links,
      locale: locale ?? undefined,
      ...(preheader ? { preheader } : {}),
    });
  } catch (error) {
    if (error instanceof TemplatePartError)
      throw new AppError("INVALID", `${name} could not be rendered: ${error.message}`, { cause: error });
    throw error;
  }
  // With the log transport nothing leaves the machine, so a missing POSTAL_ADDRESS is shown (the
  // footer carries the placeholder and the editor flags it) without blocking a demo; once a real
  // email provider is configured, a marketing email without a postal address is never sent.
  const logTransportOnly = channel === "email" && !getEnv().isResendConfigured;
  const blocking = composed.problems.filter(
    (p) => p.severity === "error" && !(logTransportOnly && p.code === "postal_address_missing"),
  );
  if (blocking.length > 0)
    throw new AppError("INVALID", `${name} fails the compliance check: ${describeProblems(blocking)}`);

  const extended =
    channel === "email"
      ? addEmailExtras(composed, { webVersionUrl: input.links?.webVersionUrl, files: input.files })
      : composed;
  const tagged = channel === "email" && input.utm ? tagLinks(extended, input.utm, input.links) : extended;
  return {
    subject: composed.subject,
    text: tagged.text,
    html: tagged.html,
    templateId: template?.id ?? null,
    templateVersionId: versionId,
    templateVersion: version,
    locale,
  };
}

/**
 * The composed email with the campaign's UTM parameters on its links. The message's own
 * unsubscribe and preference URLs and every link to PUBLIC_URL (web version, forms, hosted pages)
 * stay exactly as signed.
 */
function tagLinks(
  composed: { text: string; html: string | null },
  utm: UtmParameters,
  links: RenderInput["links"],
): { text: string; html: string | null } {
  const skip = {
    urls: links ? [links.unsubscribeUrl, links.preferencesUrl] : [],
    origins: [getEnv().PUBLIC_URL],
  };
  return {
    text: tagLinksInText(composed.text, utm, skip),
    html: composed.html === null ? null : tagLinksInHtml(composed.html, utm, skip),
  };
}
