import { redirectTrackedClick } from "../click-redirect";

/**
 * A short link of a marketing SMS: `GET /t/{code}` (on TRACKING_BASE_URL) redirects (302) to the
 * exact URL the text carried and records a click. An unknown code is a 404 page.
 */
type Params = { params: Promise<{ code: string }> };

export async function GET(request: Request, { params }: Params) {
  const { code } = await params;
  return redirectTrackedClick(request, { shortCode: code });
}
