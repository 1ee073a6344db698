import { randomUUID } from "node:crypto";
import { renderFormPage, renderMessagePage } from "@/components/forms/hosted-html";
import { hostedBrand, type HostedBrand } from "@/components/hosted/theme";
import type { Queryable } from "@/db/client";
import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { getOutbox } from "@/server/wiring";
import { getEnv } from "@/server/lib/env";
import { AppError } from "@/server/lib/errors";
import { issueFormToken } from "@/server/lib/form-token";
import { logger } from "@/server/lib/logger";
import { clientMeta, htmlResponse, isCrossSite, seeOther, submittedFromUrl } from "@/server/lib/public-pages";
import {
  FormTokenError,
  getPublicForm,
  submitForm,
  type FormFieldName,
  type PublicForm,
  type SubmitFormErrors,
} from "@/server/services/forms";
import { getWorkspaceBrand } from "@/server/services/workspaces";
import { withinBodyLimit } from "@/server/lib/body-limits";
import { TOPIC_CHOICE_FIELD } from "@/server/shared/forms";

/**
 * `GET /f/{formKey}`: the hosted opt-in form; `POST /f/{formKey}`: its submission (CONTRACT §4).
 *
 * A route handler rather than a page, on purpose: a `page.tsx` cannot answer a plain HTML POST at
 * its own URL (Next treats a non-action POST as a render), and a page cannot set response headers
 * such as `frame-ancestors`. So the form is server-rendered HTML without scripts
 * (components/forms/hosted-html.ts): it works with JS off, in an iframe, and from the copy-paste
 * HTML snippet. Only `?embed=1` (the iframe snippet's URL, kept through the submission and the
 * pages after it) may be framed by another site; every other page refuses framing. A form offering
 * several topics posts the ticked ones as `topics` (one value per box, the topic's key).
 */

type Params = { params: Promise<{ formKey: string }> };

const FIELDS: FormFieldName[] = ["email", "phone", "firstName", "lastName"];

function notFoundPage(embed = false): Response {
  return htmlResponse(
    renderMessagePage({
      brand: null,
      title: "Form not found",
      message: "This sign-up form does not exist or is no longer accepting sign-ups.",
      icon: "warn",
    }),
    { status: 404, frameable: embed },
  );
}

/** The workspace's logo, name and accent for its form (the product's own if it has none). */
async function brandOf(db: Queryable, form: PublicForm): Promise<HostedBrand> {
  const brand = await getWorkspaceBrand({ ctx: { db, now: systemClock }, input: { workspaceId: form.workspaceId } });
  return hostedBrand(brand ?? { name: form.brand });
}

async function formPage(
  db: Queryable,
  form: PublicForm,
  options: {
    embed: boolean;
    status?: number;
    values?: Partial<Record<FormFieldName, string>>;
    topics?: string[];
    errors?: SubmitFormErrors;
    notice?: { text: string; tone?: "warn" | "error" };
  },
): Promise<Response> {
  const html = renderFormPage({
    brand: await brandOf(db, form),
    definition: form.definition,
    topics: form.topics.map((t) => ({ key: t.key, name: t.name, description: t.description, channels: t.channels })),
    action: `/f/${form.key}`,
    token: issueFormToken(form.key, systemClock()),
    values: options.values,
    chosenTopics: options.topics,
    errors: options.errors,
    notice: options.notice,
    embed: options.embed,
  });
  return htmlResponse(html, { status: options.status ?? 200, frameable: options.embed });
}

export async function GET(request: Request, { params }: Params) {
  const { formKey } = await params;
  const { db } = await getDbHandle();
  const embed = new URL(request.url).searchParams.get("embed") === "1";
  const form = await getPublicForm({ ctx: { db, now: systemClock }, input: { key: formKey } });
  if (!form) return notFoundPage(embed);
  return formPage(db, form, { embed });
}

function field(data: FormData, name: string): string | undefined {
  const value = data.get(name);
  return typeof value === "string" ? value : undefined;
}

/** Every `topics` value posted (the ticked boxes); the service checks them against the form. */
function tickedTopics(data: FormData): string[] {
  return data.getAll(TOPIC_CHOICE_FIELD).filter((value): value is string => typeof value === "string");
}

const TOKEN_NOTICES: Record<FormTokenError["reason"], string> = {
  missing: "Almost done: please check your details and press the button to confirm your sign-up.",
  expired: "This page was open for a while. Please check your details and submit again.",
  invalid: "Something went wrong with this form. Please check your details and submit again.",
  cross_site: "Please check your details and submit again.",
};

async function post(request: Request, { params }: Params) {
  const { formKey } = await params;
  const { db } = await getDbHandle();
  const data = await request.formData().catch(() => null);
  const embed = new URL(request.url).searchParams.get("embed") === "1" || (data ? field(data, "embed") === "1" : false);
  if (!data) {
    const form = await getPublicForm({ ctx: { db, now: systemClock }, input: { key: formKey } });
    return form ? formPage(db, form, { embed, status: 400 }) : notFoundPage(embed);
  }
  const values = Object.fromEntries(FIELDS.map((name) => [name, field(data, name)]));
  const topics = tickedTopics(data);
  const ctx = {
    db,
    now: systemClock,
    outbox: getOutbox(),
    requestId: request.headers.get("x-request-id") ?? randomUUID(),
  };

  try {
    const result = await submitForm({
      ctx,
      input: {
        key: formKey,
        values,
        meta: { ...clientMeta(request), url: submittedFromUrl(request, `${getEnv().PUBLIC_URL}/f/${formKey}`) },
        csrf: field(data, "_token"),
        honeypot: field(data, "website"),
        crossSite: isCrossSite(request),
        topics,
      },
    });
    if (result.status === "invalid") {
      return formPage(db, result.form, {
        embed,
        status: 400,
        values: result.values,
        topics: result.topics,
        errors: result.errors,
      });
    }
    const query = new URLSearchParams();
    if (embed) query.set("embed", "1");
    if (result.smsConfirmationId) {
      if (result.emailPending) query.set("email", "1");
      return seeOther(`/confirm/code/${result.smsConfirmationId}${query.size ? `?${query}` : ""}`);
    }
    const check = [result.emailPending ? "email" : null, result.smsPending ? "sms" : null].filter(Boolean).join(",");
    if (check) query.set("check", check);
    return seeOther(`/f/${formKey}/done${query.size ? `?${query}` : ""}`);
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") return notFoundPage(embed);
    const form = await getPublicForm({ ctx, input: { key: formKey } });
    if (!form) return notFoundPage(embed);
    const kept = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v?.trim().slice(0, 254) ?? ""]));
    const keptTopics = topics.filter((key) => form.topics.some((t) => t.key === key));
    if (error instanceof FormTokenError) {
      return formPage(db, form, {
        embed,
        status: 403,
        values: kept,
        topics: keptTopics,
        notice: { text: TOKEN_NOTICES[error.reason], tone: "warn" },
      });
    }
    if (error instanceof AppError && error.code === "RATE_LIMITED") {
      return formPage(db, form, {
        embed,
        status: 429,
        values: kept,
        topics: keptTopics,
        notice: { text: error.message, tone: "error" },
      });
    }
    logger.error({ err: error, formKey, requestId: ctx.requestId }, "form submission failed");
    return formPage(db, form, {
      embed,
      status: 500,
      values: kept,
      topics: keptTopics,
      notice: { text: "Sorry, something went wrong on our side. Please try again in a moment.", tone: "error" },
    });
  }
}

/** The body is read within the contact-page limit (64 KB); a larger one answers 413 before any work. */
export const POST = withinBodyLimit(post, { kind: "html" });
