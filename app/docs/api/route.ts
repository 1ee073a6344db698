import { htmlDocument, referenceHeaders } from "./reference-assets";

/**
 * `GET /docs/api`: the interactive reference of the REST API, read from the public OpenAPI
 * document (`/api/v1/openapi.json`, no key needed: it describes routes and holds no data). The
 * viewer is a packaged dependency served from this origin (`./reference.js`), so the page works
 * offline and behind a strict policy: scripts only from this origin, no calls to other sites.
 */
export function GET(): Response {
  return new Response(htmlDocument(), {
    headers: { ...referenceHeaders(), "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" },
  });
}
