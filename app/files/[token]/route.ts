import { systemClock } from "@/server/lib/clock";
import { getDbHandle } from "@/server/lib/db";
import { getCampaignFile } from "@/server/services/campaigns";

export const dynamic = "force-dynamic";

/** RFC 6266: an ASCII fallback name plus the exact name in UTF-8 (`filename*`). */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  // RFC 5987 attr-chars: encodeURIComponent leaves ' ( ) * as they are.
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * `GET /files/{token}`: a campaign file linked from an email (files sent as links). Public: the
 * signed token is the permission; an altered token or a removed file is 404. Always a download
 * (`Content-Disposition: attachment`) with the type stored at upload, never sniffed, under a
 * policy that runs nothing even if a browser rendered it.
 */
export async function GET(_request: Request, { params }: { params: Promise<{ token: string }> }): Promise<Response> {
  const { token } = await params;
  const { db } = await getDbHandle();
  const file = await getCampaignFile({ ctx: { db, now: systemClock }, input: { token } });
  if (!file) {
    return new Response("File not found", {
      status: 404,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      },
    });
  }
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      "content-type": file.contentType,
      "content-length": String(file.bytes.length),
      "content-disposition": contentDisposition(file.filename),
      "cache-control": "private, no-cache",
      etag: `"${file.sha256}"`,
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "referrer-policy": "no-referrer",
      "cross-origin-resource-policy": "same-origin",
      "x-robots-tag": "noindex, nofollow",
    },
  });
}
