import { randomUUID } from "node:crypto";
import { renderConfirmLinkPage, renderMessagePage } from "@/components/forms/hosted-html";
import { hostedBrand, type HostedBrand } from "@/components/hosted/theme";
import type { Queryable } from "@/db/client";
import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { clientMeta, htmlResponse } from "@/server/lib/public-pages";
import { confirmByLink, getLinkConfirmation, type LinkConfirmationView } from "@/server/services/confirmations";
import { getWorkspaceBrand } from "@/server/services/workspaces";

/**
 * The double opt-in email link. `GET /confirm/{token}` only shows what is being confirmed and a
 * button (mail scanners prefetch links, so a GET never changes state); the button POSTs to the
 * same URL, which confirms. A route handler, like `/f/{key}`, so GET and POST share the URL with
 * JS off, and the page can refuse framing. Pages of a known request carry its workspace's brand;
 * an unknown link, the product's.
 */

type Params = { params: Promise<{ token: string }> };

function notFound(): Response {
  return htmlResponse(
    renderMessagePage({
      brand: null,
      title: "Link not found",
      message: "This confirmation link is not valid. Please check that you copied all of it.",
      icon: "warn",
    }),
    { status: 404 },
  );
}

async function brandOf(db: Queryable, view: LinkConfirmationView): Promise<HostedBrand> {
  const brand = await getWorkspaceBrand({ ctx: { db, now: systemClock }, input: { workspaceId: view.workspaceId } });
  return hostedBrand(brand ?? { name: view.brand });
}

function topicsLine(brand: string, topicNames: string[]): string {
  return topicNames.length ? `You'll receive ${topicNames.join(", ")} from ${brand}.` : `You'll hear from ${brand}.`;
}

function expired(brand: HostedBrand): Response {
  return htmlResponse(
    renderMessagePage({
      brand,
      title: "This link has expired",
      message:
        "Confirmation links work for 48 hours, and only the newest one counts. Please sign up again to get a new link.",
      icon: "warn",
    }),
    { status: 410 },
  );
}

export async function GET(_request: Request, { params }: Params) {
  const { token } = await params;
  const { db } = await getDbHandle();
  const view = await getLinkConfirmation({ ctx: { db, now: systemClock }, input: { token } });
  if (!view) return notFound();
  const brand = await brandOf(db, view);
  if (view.status === "expired") return expired(brand);
  if (view.status === "confirmed") {
    return htmlResponse(
      renderMessagePage({
        brand,
        title: "Already confirmed",
        message: `Your subscription is already confirmed. ${topicsLine(brand.name, view.topicNames)}`,
      }),
    );
  }
  return htmlResponse(
    renderConfirmLinkPage({
      brand,
      topicNames: view.topicNames,
      sentTo: view.sentTo,
      action: `/confirm/${token}`,
    }),
  );
}

export async function POST(request: Request, { params }: Params) {
  const { token } = await params;
  const { db } = await getDbHandle();
  const result = await confirmByLink({
    ctx: { db, now: systemClock, requestId: request.headers.get("x-request-id") ?? randomUUID() },
    input: { token, meta: clientMeta(request) },
  });
  if (!result) return notFound();
  const brand = await brandOf(db, result);
  if (result.status === "expired") return expired(brand);
  return htmlResponse(
    renderMessagePage({
      brand,
      title: result.changed ? "You're subscribed" : "Already confirmed",
      message: `${result.changed ? "Thanks for confirming." : "Your subscription was already confirmed."} ${topicsLine(brand.name, result.topicNames)}`,
    }),
  );
}
