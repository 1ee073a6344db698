import { randomUUID } from "node:crypto";
import { renderCodePage, renderMessagePage } from "@/components/forms/hosted-html";
import { hostedBrand, type HostedBrand } from "@/components/hosted/theme";
import type { Queryable } from "@/db/client";
import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { getOutbox } from "@/server/wiring";
import { AppError } from "@/server/lib/errors";
import { clientMeta, htmlResponse, seeOther } from "@/server/lib/public-pages";
import {
  confirmByCode,
  getCodeConfirmation,
  resendConfirmation,
  type CodeConfirmationView,
} from "@/server/services/confirmations";
import { getWorkspaceBrand } from "@/server/services/workspaces";
import { withinBodyLimit } from "@/server/lib/body-limits";

/**
 * The SMS code entry page, reached right after submitting a form (often inside its iframe, hence
 * frameable and script-free). `POST` with `intent=confirm` checks the code; `intent=resend`
 * sends a new one (the old request is superseded; the per-address hourly limit applies). Pages of
 * a known request carry its workspace's brand; an unknown one, the product's.
 */

type Params = { params: Promise<{ confirmationId: string }> };

function notFound(embed = false): Response {
  return htmlResponse(
    renderMessagePage({
      brand: null,
      title: "Not found",
      message: "This confirmation request does not exist.",
      icon: "warn",
    }),
    { status: 404, frameable: embed },
  );
}

async function brandOf(db: Queryable, view: CodeConfirmationView): Promise<HostedBrand> {
  const brand = await getWorkspaceBrand({ ctx: { db, now: systemClock }, input: { workspaceId: view.workspaceId } });
  return hostedBrand(brand ?? { name: view.brand });
}

function finalPage(view: CodeConfirmationView, brand: HostedBrand, embed: boolean, already = false): Response {
  if (view.status === "confirmed") {
    const what = view.topicNames.length ? view.topicNames.join(", ") : "our messages";
    return htmlResponse(
      renderMessagePage({
        brand,
        title: already ? "Already confirmed" : "You're subscribed",
        message: `${already ? "Your number was already confirmed." : "Thanks for confirming your number."} You'll receive ${what} from ${brand.name}.`,
        embed,
      }),
      { frameable: embed },
    );
  }
  const locked = view.status === "locked";
  return htmlResponse(
    renderMessagePage({
      brand,
      title: locked ? "Too many wrong codes" : "This code has expired",
      message: locked
        ? "For your security this request is now closed. Please sign up again to get a new code."
        : "Codes work for 15 minutes. Please sign up again to get a new code.",
      icon: "warn",
      embed,
    }),
    { status: locked ? 403 : 410, frameable: embed },
  );
}

function codePage(
  view: CodeConfirmationView,
  brand: HostedBrand,
  id: string,
  embed: boolean,
  emailAlsoPending: boolean,
  error?: string,
  status = 200,
): Response {
  return htmlResponse(
    renderCodePage({
      brand,
      sentTo: view.sentTo,
      action: `/confirm/code/${id}${embed ? "?embed=1" : ""}`,
      error,
      attemptsLeft: view.attemptsLeft,
      emailAlsoPending,
      embed,
    }),
    { status, frameable: embed },
  );
}

export async function GET(request: Request, { params }: Params) {
  const { confirmationId } = await params;
  const url = new URL(request.url);
  const embed = url.searchParams.get("embed") === "1";
  const { db } = await getDbHandle();
  const view = await getCodeConfirmation({ ctx: { db, now: systemClock }, input: { confirmationId } });
  if (!view) return notFound(embed);
  const brand = await brandOf(db, view);
  if (view.status !== "pending") return finalPage(view, brand, embed, view.status === "confirmed");
  return codePage(view, brand, confirmationId, embed, url.searchParams.get("email") === "1");
}

async function post(request: Request, { params }: Params) {
  const { confirmationId } = await params;
  const { db } = await getDbHandle();
  const data = await request.formData().catch(() => null);
  const embed = new URL(request.url).searchParams.get("embed") === "1" || data?.get("embed") === "1";
  const ctx = {
    db,
    now: systemClock,
    outbox: getOutbox(),
    requestId: request.headers.get("x-request-id") ?? randomUUID(),
  };

  if (data?.get("intent") === "resend") {
    const view = await getCodeConfirmation({ ctx, input: { confirmationId } });
    if (!view) return notFound(embed);
    const brand = await brandOf(db, view);
    if (view.status !== "pending") return finalPage(view, brand, embed, view.status === "confirmed");
    try {
      const sent = await resendConfirmation({
        ctx: { ...ctx, workspaceId: view.workspaceId, actor: { type: "contact", contactId: view.contactId } },
        input: { contactId: view.contactId, channel: "sms" },
      });
      return seeOther(`/confirm/code/${sent.confirmationId}${embed ? "?embed=1" : ""}`);
    } catch (error) {
      if (error instanceof AppError && error.code === "RATE_LIMITED")
        return codePage(view, brand, confirmationId, embed, false, error.message, 429);
      if (error instanceof AppError && error.code === "CONFLICT")
        return finalPage({ ...view, status: "expired" }, brand, embed);
      throw error;
    }
  }

  const code = typeof data?.get("code") === "string" ? String(data.get("code")) : "";
  const result = await confirmByCode({ ctx, input: { confirmationId, code, meta: clientMeta(request) } });
  if (!result) return notFound(embed);
  const brand = await brandOf(db, result);
  switch (result.outcome) {
    case "confirmed":
    case "already_confirmed":
      return finalPage(result, brand, embed, result.outcome === "already_confirmed");
    case "wrong_code":
      return codePage(
        result,
        brand,
        confirmationId,
        embed,
        false,
        `That code is not right. ${result.attemptsLeft} ${result.attemptsLeft === 1 ? "try" : "tries"} left.`,
        400,
      );
    default:
      return finalPage(result, brand, embed);
  }
}

/** The body is read within the contact-page limit (64 KB); a larger one answers 413 before any work. */
export const POST = withinBodyLimit(post, { kind: "html" });
