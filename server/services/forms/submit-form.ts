import type { Channel, TopicRow } from "@/db/schema";
import { normalizeEmail } from "@/server/lib/addresses";
import type { RequestEvidence } from "@/server/lib/client-address";
import { AppError } from "@/server/lib/errors";
import { verifyFormToken, type FormTokenCheck } from "@/server/lib/form-token";
import { createRateLimiter } from "@/server/lib/rate-limit";
import { controlCharacterMessage, hasControlCharacter } from "@/server/lib/text";
import { recordConsentChange } from "../consent/record-consent-change";
import { resolveSignupContacts } from "../contacts/resolve-signup-contacts";
import { inTransaction, type SendingPublicContext, type ServiceContext } from "../context";
import { deliverConfirmation } from "../confirmations/deliver-confirmation";
import { prepareConfirmation, type PreparedConfirmation } from "../confirmations/prepare-confirmation";
import { getPublicForm, type PublicForm } from "./get-public-form";
import { FIELD_DEFAULT_LABELS, type FormFieldName } from "./schemas";

/** A refused form token: nothing is recorded; the page re-renders the form with a fresh token. */
export class FormTokenError extends AppError {
  constructor(readonly reason: Exclude<FormTokenCheck, "valid"> | "cross_site") {
    super("FORBIDDEN", "The form token is missing, expired or invalid", { field: "_token" });
  }
}

/**
 * In-process limits (per node): per client IP across all forms, and per form across all IPs.
 * The per-address limit on confirmation messages is the durable one (see prepareConfirmation).
 * On globalThis because Next may load this module twice, and two copies would each allow the limit.
 */
const globalForLimits = globalThis as unknown as {
  __optinFormLimits?: { perIp: ReturnType<typeof createRateLimiter>; perForm: ReturnType<typeof createRateLimiter> };
};
export const FORM_LIMITS = { perIp: { limit: 20, windowMs: 10 * 60_000 }, perForm: { limit: 600, windowMs: 60_000 } };
function limits() {
  globalForLimits.__optinFormLimits ??= {
    perIp: createRateLimiter(FORM_LIMITS.perIp),
    perForm: createRateLimiter(FORM_LIMITS.perForm),
  };
  return globalForLimits.__optinFormLimits;
}

export interface SubmitFormInput {
  key: string;
  /** Raw field values as posted (only the form's own fields are read). */
  values: Record<string, string | undefined>;
  meta: RequestEvidence & { url?: string };
  /** The hidden form token (see server/lib/form-token.ts). */
  csrf: string | null | undefined;
  /** The hidden "website" field: people never fill it, bots do. */
  honeypot?: string | null;
  /** Set by the route when Origin/Referer name another site than ours. */
  crossSite?: boolean;
  /**
   * Keys of the topics the person ticked. A form offering several topics shows a box per topic,
   * none ticked, and records consent for the ticked ones only: at least one, each a topic the form
   * offers. A single-topic form shows no box and subscribes to its topic (`topics` may be left out).
   */
  topics?: string[];
}

/** The fields of a submission that can be wrong: the form's own fields and the topic choice. */
export type SubmitFormErrors = Partial<Record<FormFieldName | "topics", string>>;

export const TOPIC_CHOICE_ERRORS = {
  none: "Choose at least one topic",
  unknown: "Choose from the topics on this form",
} as const;

/** At most this many choices are read (a form offers at most 20 topics). */
const MAX_TOPIC_CHOICES = 20;

export type SubmitFormResult =
  | {
      status: "invalid";
      form: PublicForm;
      errors: SubmitFormErrors;
      values: Partial<Record<FormFieldName, string>>;
      /** The ticked topics that the form offers, to tick them again on the re-rendered form. */
      topics: string[];
    }
  | {
      status: "submitted";
      form: PublicForm;
      /** Topics that need a click in an email first. */
      emailPending: boolean;
      /** The SMS code request to continue with, when a phone needs confirming. */
      smsConfirmationId: string | null;
      smsPending: boolean;
      sentTo: { email?: string; sms?: string };
    };

function fieldLabel(form: PublicForm, name: FormFieldName): string {
  return form.definition.fields.find((f) => f.name === name)?.label || FIELD_DEFAULT_LABELS[name];
}

/**
 * The topics the submission subscribes to: the form's only topic, or the ticked ones of several.
 * `keys` are the ticked ones the form offers (what the page ticks again after an error).
 */
function chooseTopics(
  form: PublicForm,
  raw: string[] | undefined,
): { topics: TopicRow[]; keys: string[]; error?: string } {
  const ticked = [...new Set(raw ?? [])];
  const byKey = new Map(form.topics.map((t) => [t.key, t]));
  const known = ticked.filter((key) => byKey.has(key));
  if (ticked.length > MAX_TOPIC_CHOICES || known.length < ticked.length)
    return { topics: [], keys: known.slice(0, MAX_TOPIC_CHOICES), error: TOPIC_CHOICE_ERRORS.unknown };
  if (form.topics.length === 1 && known.length === 0) return { topics: form.topics, keys: [] };
  if (known.length === 0) return { topics: [], keys: [], error: TOPIC_CHOICE_ERRORS.none };
  // In the form's order, whatever order the boxes arrived in.
  const chosen = new Set(known);
  return { topics: form.topics.filter((t) => chosen.has(t.key)), keys: known };
}

const ADDRESS_FIELD: Record<Channel, FormFieldName> = { email: "email", sms: "phone" };

function validate(form: PublicForm, raw: SubmitFormInput["values"], rawTopics: string[] | undefined) {
  const values: Partial<Record<FormFieldName, string>> = {};
  const errors: SubmitFormErrors = {};
  for (const field of form.definition.fields) {
    const value = (raw[field.name] ?? "").trim();
    if (value.length > 254) errors[field.name] = "This is too long";
    // Every field of a hosted form is one line: no control characters at all (tab and breaks too).
    if (hasControlCharacter(raw[field.name] ?? ""))
      errors[field.name] = controlCharacterMessage(field.label || FIELD_DEFAULT_LABELS[field.name]);
    values[field.name] = value.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 254);
    if (!value && field.required && !errors[field.name])
      errors[field.name] = `${field.label || FIELD_DEFAULT_LABELS[field.name]} is required`;
  }
  const email = values.email && !errors.email ? normalizeEmail(values.email) : null;
  if (email && !email.ok) {
    errors.email = email.reason.startsWith("contains")
      ? `${fieldLabel(form, "email")} ${email.reason}`
      : "Enter a valid email address";
  }
  const addressFields = form.definition.fields.filter((f) => f.name === "email" || f.name === "phone");
  if (!values.email && !values.phone && addressFields[0] && !errors[addressFields[0].name]) {
    errors[addressFields[0].name] =
      addressFields.length > 1 ? "Enter your email or your phone number" : "This is required";
  }
  const choice = chooseTopics(form, rawTopics);
  if (choice.error) errors.topics = choice.error;
  // A chosen topic must reach the person on a channel they gave an address for.
  if (values.email || values.phone) {
    for (const topic of choice.topics) {
      const channels = topic.channels.filter((c) => form.definition.fields.some((f) => f.name === ADDRESS_FIELD[c]));
      if (channels.length === 0 || channels.some((c) => values[ADDRESS_FIELD[c]])) continue;
      const field = ADDRESS_FIELD[channels[0]!];
      errors[field] ??=
        field === "email"
          ? `Enter your email address to get ${topic.name}`
          : `Enter your mobile phone number to get ${topic.name}`;
    }
  }
  return { values, errors, topics: choice.topics, topicKeys: choice.keys };
}

/**
 * A submission of a hosted form (`POST /f/{key}`), on behalf of the person filling it in.
 *
 * Order: form exists (NOT_FOUND) → rate limits per IP and per form (RATE_LIMITED) → form token and
 * cross-site check (FormTokenError, nothing recorded) → honeypot (answers like a success, records
 * nothing) → validation of the fields and the topic choice (`status: "invalid"`: on a form offering
 * several topics at least one ticked, each one the form offers, each reachable through an address
 * given) → one transaction: find or create the contact
 * of each address (resolveSignupContacts: a form never changes an existing contact's address, and
 * the consent it records goes to each address's own contact), then per channel the person gave an
 * address for, for the chosen topics only: topics needing double opt-in (the
 * form's switch or the topic's own flag) get a pending request, the others an `opted_in` with
 * evidence {ip, userAgent, url, consent text (stored by hash), formVersion `formId@vN`}. After
 * commit the confirmation email/SMS go out. Not idempotent (a resubmission is a new act), but a
 * topic already confirmed is never asked again.
 */
export async function submitForm({
  ctx,
  input,
}: {
  ctx: SendingPublicContext;
  input: SubmitFormInput;
}): Promise<SubmitFormResult> {
  const form = await getPublicForm({ ctx, input: { key: input.key } });
  if (!form) throw new AppError("NOT_FOUND", "Form not found");

  const now = ctx.now();
  const { perIp, perForm } = limits();
  const ipOk = perIp.hit(`ip:${input.meta.ip ?? "unknown"}`, now.getTime());
  const formOk = perForm.hit(`form:${form.formId}`, now.getTime());
  if (!ipOk || !formOk)
    throw new AppError("RATE_LIMITED", "Too many sign-ups from here. Please try again in a few minutes.");

  const token = verifyFormToken(form.key, input.csrf, now);
  if (token !== "valid") throw new FormTokenError(token);
  if (input.crossSite) throw new FormTokenError("cross_site");

  const hasAddresses = { email: false, sms: false };
  const { values, errors, topics: chosen, topicKeys } = validate(form, input.values, input.topics);
  if (Object.keys(errors).length > 0) return { status: "invalid", form, errors, values, topics: topicKeys };
  hasAddresses.email = Boolean(values.email);
  hasAddresses.sms = Boolean(values.phone);

  const needsConfirmation = (topic: TopicRow) => form.definition.doubleOptIn || topic.requiresDoubleOptIn;
  if (input.honeypot?.trim()) {
    // Looks exactly like a success to the bot; nothing is written or sent.
    const pending = (channel: Channel) =>
      hasAddresses[channel] && chosen.some((t) => t.channels.includes(channel) && needsConfirmation(t));
    return {
      status: "submitted",
      form,
      emailPending: pending("email"),
      smsPending: pending("sms"),
      smsConfirmationId: null,
      sentTo: {},
    };
  }

  const evidence = {
    ip: input.meta.ip?.slice(0, 64),
    ipSource: input.meta.ip ? input.meta.ipSource : undefined,
    userAgent: input.meta.userAgent?.slice(0, 512),
    url: input.meta.url?.slice(0, 2048),
    text: form.definition.consentText,
    formVersion: `${form.formId}@v${form.version}`,
  };

  let prepared: PreparedConfirmation[];
  try {
    prepared = await inTransaction(ctx.db, async (tx) => {
      const base = { db: tx, workspaceId: form.workspaceId, now: ctx.now, requestId: ctx.requestId };
      const formActor: ServiceContext = { ...base, actor: { type: "system", job: `form:${form.key}` } };
      // Each address to its own contact: a form never changes an existing contact's address.
      const byChannel = await resolveSignupContacts({
        ctx: formActor,
        input: {
          email: values.email || undefined,
          phone: values.phone || undefined,
          firstName: values.firstName,
          lastName: values.lastName,
        },
      });
      const out: PreparedConfirmation[] = [];
      for (const channel of ["email", "sms"] as const) {
        const contact = byChannel[channel];
        if (!hasAddresses[channel] || !contact) continue;
        const personCtx: ServiceContext = { ...base, actor: { type: "contact", contactId: contact.id } };
        // Only the topics the person chose: consent (and its evidence) is recorded for those alone.
        const offered = chosen.filter((t) => t.channels.includes(channel));
        const direct = offered.filter((t) => !needsConfirmation(t));
        const confirm = offered.filter(needsConfirmation);
        if (direct.length > 0) {
          await recordConsentChange({
            ctx: personCtx,
            input: { contactId: contact.id, channel, topicRows: direct, action: "opted_in", source: "form", evidence },
          });
        }
        if (confirm.length > 0) {
          const request = await prepareConfirmation({
            ctx: personCtx,
            input: {
              contactId: contact.id,
              channel,
              topicRows: confirm,
              source: "form",
              evidence,
              formVersionId: form.versionId,
            },
          });
          if (request) out.push(request);
        }
      }
      return out;
    });
  } catch (error) {
    if (error instanceof AppError && error.code === "INVALID" && (error.field === "email" || error.field === "phone")) {
      return {
        status: "invalid",
        form,
        errors: {
          [error.field]: error.field === "email" ? "Enter a valid email address" : "Enter a valid phone number",
        },
        values,
        topics: topicKeys,
      };
    }
    if (error instanceof AppError && error.code === "CONFLICT") {
      const field = form.definition.fields.some((f) => f.name === "phone") && values.phone ? "phone" : "email";
      return {
        status: "invalid",
        form,
        errors: { [field]: "We could not sign up this address. Please contact us." },
        values,
        topics: topicKeys,
      };
    }
    throw error;
  }

  const sentTo: { email?: string; sms?: string } = {};
  let smsConfirmationId: string | null = null;
  for (const request of prepared) {
    const delivered = await deliverConfirmation({ ctx, input: request });
    if (delivered.channel === "sms") smsConfirmationId = delivered.confirmationId;
    if (delivered.sentTo) sentTo[delivered.channel] = delivered.sentTo;
  }
  return {
    status: "submitted",
    form,
    emailPending: prepared.some((p) => p.confirmation.channel === "email"),
    smsPending: prepared.some((p) => p.confirmation.channel === "sms"),
    smsConfirmationId,
    sentTo,
  };
}
