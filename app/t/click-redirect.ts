import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { recordQuietly, trackedRedirect } from "@/server/lib/tracking-responses";
import { recordTrackingEvent, resolveTrackedLink } from "@/server/services/tracking";
import { linkNotFound } from "./not-found-page";

/**
 * Follows a tracked link: the stored URL of the message's link (by SMS short code, or by the
 * message and link a verified email token names) as a 302, after recording the click; a link not
 * found is the 404 page. Recording never stops the redirect.
 */
export async function redirectTrackedClick(
  request: Request,
  link: { shortCode: string } | { messageId: string; linkId: string },
): Promise<Response> {
  const { db } = await getDbHandle();
  const ctx = { db, now: systemClock };
  const target = await resolveTrackedLink({ ctx, input: link });
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
