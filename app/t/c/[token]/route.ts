import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { recordQuietly, trackedRedirect } from "@/server/lib/tracking-responses";
import { trackingCodec } from "@/server/lib/tracking-tokens";
import { recordTrackingEvent, resolveTrackedLink } from "@/server/services/tracking";
import { linkNotFound } from "../../not-found-page";

/**
 * A tracked link of a marketing email: `GET /t/c/{token}` redirects (302) to the exact URL the
 * message carried, read from `message_links` by the message and link the signed token names, and
 * records a click. An altered or unknown token is a 404 page: there is no destination in the
 * token, so it can never redirect anywhere else. Recording never stops the redirect.
 */
type Params = { params: Promise<{ token: string }> };

export async function GET(request: Request, { params }: Params) {
  const { token } = await params;
  const claims = trackingCodec().verifyClick(token);
  if (!claims) return linkNotFound();
  const { db } = await getDbHandle();
  const ctx = { db, now: systemClock };
  const target = await resolveTrackedLink({ ctx, input: claims });
  if (!target) return linkNotFound();
  await recordQuietly(() =>
    recordTrackingEvent({
      ctx,
      input: {
        messageId: target.messageId,
        kind: "click",
        source: "ours",
        linkId: target.linkId,
        userAgent: request.headers.get("user-agent"),
      },
    }),
  );
  return trackedRedirect(target.url);
}
