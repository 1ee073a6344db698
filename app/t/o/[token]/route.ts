import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { pixelResponse, recordQuietly } from "@/server/lib/tracking-responses";
import { trackingCodec } from "@/server/lib/tracking-tokens";
import { recordTrackingEvent } from "@/server/services/tracking";

/**
 * The open pixel of a marketing email: `GET /t/o/{token}` answers a 1×1 GIF (no-store) and
 * records an open of the message the signed token names (classified as a person's or a
 * machine's from the user agent and timing). An altered token is 404 and records nothing.
 */
type Params = { params: Promise<{ token: string }> };

export async function GET(request: Request, { params }: Params) {
  const { token } = await params;
  const claims = trackingCodec().verifyOpen(token);
  if (!claims) return pixelResponse(404);
  await recordQuietly(async () => {
    const { db } = await getDbHandle();
    await recordTrackingEvent({
      ctx: { db, now: systemClock },
      input: {
        messageId: claims.messageId,
        kind: "open",
        source: "ours",
        userAgent: request.headers.get("user-agent"),
      },
    });
  });
  return pixelResponse();
}
