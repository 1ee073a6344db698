import { trackingCodec } from "@/server/lib/tracking-tokens";
import { redirectTrackedClick } from "../../click-redirect";
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
  return redirectTrackedClick(request, claims);
}
