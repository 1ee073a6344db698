import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { getWorkspaceLogo } from "@/server/services/workspaces";

/**
 * A workspace's uploaded logo, shown on its hosted pages. Public (the pages it appears on are);
 * cached for a year because the URL carries the image's hash (`?v=`), so a new logo has a new URL.
 * The response may not run anything: an SVG is served under a policy without scripts, sandboxed,
 * and the type is never sniffed.
 */
export async function GET(_request: Request, { params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  const { db } = await getDbHandle();
  const logo = await getWorkspaceLogo({ ctx: { db, now: systemClock }, input: { workspaceId } });
  if (!logo) return new Response("No logo", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  return new Response(new Uint8Array(logo.data), {
    headers: {
      "content-type": logo.contentType,
      "content-length": String(logo.data.length),
      "cache-control": "public, max-age=31536000, immutable",
      etag: `"${logo.sha256}"`,
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      "x-content-type-options": "nosniff",
      "cross-origin-resource-policy": "same-origin",
    },
  });
}
