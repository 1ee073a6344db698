import type { Channel, TemplateContent, TemplateVariable } from "@/db/schema";
import {
  LiquidTemplateError,
  liquidGlobalPaths,
  renderLiquid,
  unescapeLiquidInHtml,
  type SegmentArray,
} from "@/server/lib/liquid";
import { applySmsCompliance, checkCompliance, toComplianceResult, type PostalAddress } from "./compliance";
import { footerText, htmlToText, sanitizeEmailHtml, textToHtml, wrapEmailHtml } from "./layout";
import type { TComplianceProblem, TComplianceResult } from "./schemas";
import { buildScope, sampleAttributes, sampleContact, sampleVariables, unknownVariables, variantParts } from "./scope";

/** The most a single SMS body may be (Twilio refuses longer ones). */
export const SMS_MAX_CHARS = 1600;

const PART_LABELS = { subject: "Subject", text: "Text", html: "Body", preheader: "Preheader" } as const;

type Part = keyof typeof PART_LABELS;

export interface ComposeInput {
  content: TemplateContent;
  channel: Channel;
  isMarketing: boolean;
  brand: string;
  postalAddress: PostalAddress;
  scope: Record<string, unknown>;
  links: { unsubscribeUrl: string; preferencesUrl: string } | null;
  locale?: string;
  /**
   * Email only: the preview line inbox lists show after the subject (a campaign's `preheader`),
   * Liquid like the subject, hidden at the top of the HTML body. Absent or blank: none.
   */
  preheader?: string;
}

export interface ComposedMessage {
  subject: string | null;
  text: string;
  html: string | null;
  /** Problems of the final message (after the layout and the automatic SMS wording). */
  problems: TComplianceProblem[];
}

/** A Liquid failure in one part, named for the author: `Body: undefined variable: x (line 2, column 4)`. */
export class TemplatePartError extends Error {
  constructor(
    readonly part: Part,
    readonly liquidError: LiquidTemplateError,
  ) {
    super(`${PART_LABELS[part]}: ${liquidError.message}`);
    this.name = "TemplatePartError";
  }
}

async function renderPart(part: Part, source: string, scope: Record<string, unknown>): Promise<string> {
  try {
    return await renderLiquid(source, scope, part === "html" ? "html" : "text");
  } catch (error) {
    if (error instanceof LiquidTemplateError) throw new TemplatePartError(part, error);
    throw error;
  }
}

/**
 * Renders one variant into the message that would go out: Liquid on each part; for email the
 * layout with its footer and a plain-text part; for a marketing SMS the brand prefix and opt-out
 * wording where missing. Then the compliance check on the result. Throws TemplatePartError.
 */
export async function composeMessage(input: ComposeInput): Promise<ComposedMessage> {
  const { content, channel, isMarketing, brand, scope, links, postalAddress, locale, preheader } = input;

  if (channel === "sms") {
    const rendered = (await renderPart("text", content.text, scope)).trim();
    const text = isMarketing ? applySmsCompliance(rendered, brand).text : rendered;
    // Checked before the fix, so the author sees what the pipeline adds (warnings, never errors).
    const problems = checkCompliance({
      channel,
      isMarketing,
      brand,
      postalAddress,
      message: { subject: null, text: rendered, html: null },
      links,
      locale,
    });
    if (text.length > SMS_MAX_CHARS) {
      problems.push({
        code: "too_long",
        severity: "error",
        message: `The SMS is ${text.length} characters; the most one message can be is ${SMS_MAX_CHARS}`,
        ...(locale ? { locale } : {}),
      });
    }
    return { subject: null, text, html: null, problems };
  }

  const subject =
    content.subject === undefined
      ? ""
      : (await renderPart("subject", content.subject, scope)).replace(/\s+/g, " ").trim();
  const hasHtml = Boolean(content.html?.trim());
  const bodyHtml = hasHtml ? await renderPart("html", content.html!, scope) : null;
  const bodyText = content.text.trim()
    ? (await renderPart("text", content.text, scope)).trim()
    : bodyHtml
      ? htmlToText(bodyHtml)
      : "";
  const footer = {
    brand,
    isMarketing,
    unsubscribeUrl: links?.unsubscribeUrl ?? null,
    preferencesUrl: links?.preferencesUrl ?? null,
    // Marketing mail always shows the line (the placeholder makes the check fail); service mail only a real address.
    postalAddress: isMarketing || !postalAddress.isPlaceholder ? postalAddress.address : null,
  };
  const hiddenLine = preheader?.trim()
    ? (await renderPart("preheader", preheader, scope)).replace(/\s+/g, " ").trim()
    : null;
  const html = wrapEmailHtml({ bodyHtml: bodyHtml ?? textToHtml(bodyText), subject, footer, preheader: hiddenLine });
  const text = `${bodyText}\n\n--\n${footerText(footer)}`;
  const problems = checkCompliance({
    channel,
    isMarketing,
    brand,
    postalAddress,
    message: { subject, text: bodyText ? text : "", html: bodyText || bodyHtml ? html : null },
    links,
    locale,
  });
  return { subject, text, html, problems };
}

/**
 * A version's content as it is stored: SMS keeps only its text; email keeps subject, the sanitised
 * HTML, the editor document, and a plain-text part derived from the HTML when none is given
 * (Liquid included, so it renders like the HTML).
 */
export function normalizeContent(
  channel: Channel,
  variants: Record<string, TemplateContent>,
): Record<string, TemplateContent> {
  const out: Record<string, TemplateContent> = {};
  for (const [locale, content] of Object.entries(variants)) {
    if (channel === "sms") {
      out[locale] = { text: content.text.trim() };
      continue;
    }
    const html = content.html?.trim() ? sanitizeEmailHtml(content.html.trim()) : undefined;
    const text = content.text.trim() ? content.text.trim() : html ? htmlToText(unescapeLiquidInHtml(html)) : "";
    out[locale] = {
      subject: (content.subject ?? "").replace(/\s+/g, " ").trim(),
      text,
      ...(html ? { html } : {}),
      ...(content.doc !== undefined && html ? { doc: content.doc } : {}),
    };
  }
  return out;
}

export const SAMPLE_LINKS = (publicUrl: string) => ({
  unsubscribeUrl: `${publicUrl}/u/preview`,
  preferencesUrl: `${publicUrl}/preferences/preview`,
  webVersionUrl: `${publicUrl}/w/preview`,
});

export interface CheckContentInput {
  channel: Channel;
  isMarketing: boolean;
  brand: string;
  postalAddress: PostalAddress;
  defaultLocale: string;
  variants: Record<string, TemplateContent>;
  variables: TemplateVariable[];
  links: { unsubscribeUrl: string; preferencesUrl: string };
}

/**
 * The save-time check of every locale: Liquid syntax and filters, variables nothing provides, a
 * strict render with the declared samples, then the compliance rules on the result.
 */
export async function checkTemplateContent(input: CheckContentInput): Promise<TComplianceResult> {
  const problems: TComplianceProblem[] = [];
  const declared = input.variables.map((v) => v.name);
  for (const [locale, content] of Object.entries(input.variants)) {
    const paths: SegmentArray[] = [];
    let broken = false;
    for (const { part, source, mode } of variantParts(content)) {
      if (input.channel === "sms" && part !== "text") continue;
      try {
        const partPaths = liquidGlobalPaths(source, mode);
        paths.push(...partPaths);
        for (const name of unknownVariables(partPaths, declared)) {
          broken = true;
          problems.push({
            code: "unknown_variable",
            severity: "error",
            locale,
            message: `${PART_LABELS[part]}: unknown variable "${name}". Declare it under Variables, or use contact.first_name, workspace.name and the other built-ins`,
          });
        }
      } catch (error) {
        if (!(error instanceof LiquidTemplateError)) throw error;
        broken = true;
        problems.push({
          code: "liquid_syntax",
          severity: "error",
          locale,
          message: `${PART_LABELS[part]}: ${error.message}`,
        });
      }
    }
    if (broken) continue;
    const scope = buildScope({
      variables: sampleVariables(input.variables),
      contact: sampleContact(locale, sampleAttributes(paths)),
      workspace: { name: input.brand },
      links: input.links,
    });
    try {
      const composed = await composeMessage({ ...input, content, scope, locale });
      problems.push(...composed.problems);
    } catch (error) {
      if (!(error instanceof TemplatePartError)) throw error;
      problems.push({
        code: error.liquidError.kind === "limit" ? "render_limit" : "render_failed",
        severity: "error",
        locale,
        message: error.message,
      });
    }
  }
  return toComplianceResult(problems);
}
