import { referenceHeaders, startScript } from "../reference-assets";

/** `GET /docs/api/init.js`: starts the API reference viewer on the page (see ../route.ts). */
export function GET(): Response {
  return new Response(startScript(), {
    headers: { ...referenceHeaders(), "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" },
  });
}
