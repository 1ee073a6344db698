import type { Channel } from "@/db/schema";
import { getEnv } from "@/server/lib/env";
import { escapeHtml } from "@/server/shared/html";
import type { TComplianceProblem, TComplianceResult } from "./schemas";

/**
 * The compliance rules, run when a template is saved (on every locale, rendered with sample data)
 * and again on the final message before every send:
 *
 * - marketing SMS: names the brand (the workspace name) and tells how to opt out. Both are fixed
 *   automatically at send time (`applySmsCompliance`), so on save they are warnings.
 * - marketing email: a visible unsubscribe link and the postal address (POSTAL_ADDRESS; the
 *   placeholder fails). The layout's footer adds both; the check proves they are there.
 * - every email has a subject; every message has a body.
 *
 * Pure: no I/O.
 */

/** Shown, and refused, while POSTAL_ADDRESS is not configured. */
export const POSTAL_ADDRESS_PLACEHOLDER = "[Postal address: set it in Settings → General]";

export const SMS_OPT_OUT_SUFFIX = "Reply STOP to opt out.";

/** Problem codes that are the workspace's set-up, not the template's content: they block sends, not saves. */
export const SETUP_PROBLEM_CODES: readonly string[] = ["postal_address_missing"];

/**
 * What happens to marketing email while no postal address is set, said as it really is: with the
 * log transport (no email provider configured) it still goes out, to the log, with the placeholder;
 * with a provider it is refused.
 */
export function postalAddressMissingMessage(providerConfigured = getEnv().isResendConfigured): string {
  return providerConfigured
    ? "A marketing email must show your postal address. Set it in Settings → General (or POSTAL_ADDRESS on the server): until then marketing email is not sent."
    : "A marketing email must show your postal address. Set it in Settings → General (or POSTAL_ADDRESS on the server). No email provider is configured, so for now marketing email goes to the log with a placeholder; once one is, it is not sent without an address.";
}

export interface PostalAddress {
  address: string;
  isPlaceholder: boolean;
}

export function resolvePostalAddress(raw: string | undefined = getEnv().POSTAL_ADDRESS): PostalAddress {
  const value = raw?.trim();
  if (!value || value === POSTAL_ADDRESS_PLACEHOLDER || /set postal_address|\[postal address: set/i.test(value)) {
    return { address: POSTAL_ADDRESS_PLACEHOLDER, isPlaceholder: true };
  }
  return { address: value, isPlaceholder: false };
}

const OPT_OUT_PATTERNS = [
  /\b(reply|text|txt|send|respond|msg)\b[^.!?\n]{0,24}\b(stop|stopall|end|quit|cancel|unsubscribe|optout)\b/i,
  /\bopt[\s-]?out\b/i,
  /\bunsubscribe\b/i,
];

export function hasSmsOptOut(text: string): boolean {
  return OPT_OUT_PATTERNS.some((pattern) => pattern.test(text));
}

const squash = (s: string) => s.replace(/\s+/g, " ").trim().toLowerCase();

export function namesBrand(text: string, brand: string): boolean {
  const b = squash(brand);
  return b === "" || squash(text).includes(b);
}

/**
 * What the pipeline does to a marketing SMS that lacks the required wording: prefix
 * "<Brand>: " and append " Reply STOP to opt out.". Idempotent.
 */
export function applySmsCompliance(
  text: string,
  brand: string,
): { text: string; prefixedBrand: boolean; appendedOptOut: boolean } {
  let out = text.trim();
  const cleanBrand = brand.replace(/[\r\n]+/g, " ").trim();
  const prefixedBrand = !namesBrand(out, cleanBrand);
  if (prefixedBrand) out = `${cleanBrand}: ${out}`;
  const appendedOptOut = !hasSmsOptOut(out);
  if (appendedOptOut) out = `${out}${/[.!?]$/.test(out) || out === "" ? "" : "."} ${SMS_OPT_OUT_SUFFIX}`.trim();
  return { text: out, prefixedBrand, appendedOptOut };
}

export interface ComplianceCheckInput {
  channel: Channel;
  isMarketing: boolean;
  /** The workspace name: the brand an SMS must name. */
  brand: string;
  postalAddress: PostalAddress;
  /** The message as it would go out (for email: after the layout). */
  message: { subject: string | null; text: string; html: string | null };
  links: { unsubscribeUrl: string; preferencesUrl: string } | null;
  locale?: string;
}

export function checkCompliance(input: ComplianceCheckInput): TComplianceProblem[] {
  const { channel, isMarketing, message, locale } = input;
  const problems: TComplianceProblem[] = [];
  const add = (code: string, severity: TComplianceProblem["severity"], text: string) =>
    problems.push({ code, severity, message: text, ...(locale ? { locale } : {}) });

  if (!message.text.trim() && !message.html?.replace(/<[^>]*>/g, "").trim())
    add("body_missing", "error", "The message is empty");

  if (channel === "sms") {
    if (isMarketing && !namesBrand(message.text, input.brand)) {
      add(
        "sms_brand_missing",
        "warning",
        `A marketing SMS must name the brand: "${input.brand.trim()}: " is added at the start when it is missing`,
      );
    }
    if (isMarketing && !hasSmsOptOut(message.text)) {
      add(
        "sms_opt_out_missing",
        "warning",
        `A marketing SMS must say how to opt out: "${SMS_OPT_OUT_SUFFIX}" is added at the end when it is missing`,
      );
    }
    return problems;
  }

  if (!message.subject?.trim()) add("subject_missing", "error", "An email needs a subject");
  if (!isMarketing) return problems;

  const html = message.html ?? "";
  if (!input.links) {
    add(
      "unsubscribe_missing",
      "error",
      "A marketing email needs an unsubscribe link, and none was given for this send",
    );
  } else {
    const href = escapeHtml(input.links.unsubscribeUrl);
    const inHtml =
      !message.html || html.includes(`href="${href}"`) || html.includes(`href="${input.links.unsubscribeUrl}"`);
    if (!inHtml || !message.text.includes(input.links.unsubscribeUrl)) {
      add("unsubscribe_missing", "error", "A marketing email must carry a visible unsubscribe link");
    }
  }
  if (input.postalAddress.isPlaceholder) {
    add("postal_address_missing", "error", postalAddressMissingMessage());
  } else {
    const address = input.postalAddress.address.replace(/\n/g, ", ");
    if ((message.html && !html.includes(escapeHtml(address))) || !message.text.includes(address)) {
      add("postal_address_missing", "error", "A marketing email must show the postal address in its footer");
    }
  }
  return problems;
}

/** `ok` = nothing of severity error. */
export function toComplianceResult(problems: TComplianceProblem[]): TComplianceResult {
  return { ok: !problems.some((p) => p.severity === "error"), problems };
}
