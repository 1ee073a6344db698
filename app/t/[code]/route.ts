import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { recordQuietly, trackedRedirect } from "@/server/lib/tracking-responses";
import { recordTrackingEvent, resolveTrackedLink } from "@/server/services/tracking";
import { linkNotFound } from "../not-found-page";

/**
 * A short link of a marketing SMS: `GET /t/{code}` (on TRACKING_BASE_URL) redirects (302) to the
 * exact URL the text carried and records a click. An unknown code is a 404 page.
 */
type Params = { params: Promise<{ code: string }> };

export async function GET(request: Request, { params }: Params) {
  const { code } = await params;
  const { db } = await getDbHandle();
  const ctx = { db, now: systemClock };
  const target = await resolveTrackedLink({ ctx, input: { shortCode: code } });
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
