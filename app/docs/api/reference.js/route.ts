import { referenceHeaders, viewerScript } from "../reference-assets";

/** `GET /docs/api/reference.js`: the API reference viewer's browser build (see ../route.ts). */
export async function GET(): Promise<Response> {
  return new Response(await viewerScript(), {
    headers: {
      ...referenceHeaders(),
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=3600",
    },
  });
}
