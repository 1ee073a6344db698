/**
 * How many bytes a request body may have, by route, checked before the body is read: the HTTP
 * server refuses a larger declared `Content-Length` with 413 before the application sees it, and the
 * routes that read bodies themselves stop at the same limit when no length was declared (chunked).
 * docs/api.md lists these limits; change both together.
 */
export const BODY_LIMITS = {
  /** Hosted pages a contact reaches without signing in: forms, unsubscribe, preferences, confirmation, web versions, file links. */
  contactPage: 64 * 1024,
  /** Sign-in and invitation pages (no session yet). */
  publicAuth: 64 * 1024,
  /** JSON APIs (REST, tRPC), provider webhooks and everything else. */
  api: 1024 * 1024,
  /** A CSV file uploaded to `POST /api/imports` (streamed, never held in memory whole). */
  csvUpload: 256 * 1024 * 1024,
  /**
   * A campaign file uploaded to `POST /api/campaigns/{id}/attachments` (multipart): the 5 MB a
   * campaign's files may take in all, plus room for the multipart framing.
   */
  attachmentUpload: 5 * 1024 * 1024 + 64 * 1024,
  /** Calls from an Inngest server carry step results. */
  inngest: 4 * 1024 * 1024,
} as const;

export type BodyLimitClass = keyof typeof BODY_LIMITS;

const CONTACT_PAGE_PREFIXES = ["/f/", "/u/", "/preferences/", "/confirm/", "/w/", "/files/"];
const PUBLIC_AUTH_PREFIXES = ["/sign-in", "/invite/", "/api/auth/"];

/** The limit class of a request path (query string ignored). */
export function bodyLimitClass(pathname: string): BodyLimitClass {
  if (CONTACT_PAGE_PREFIXES.some((prefix) => pathname.startsWith(prefix))) return "contactPage";
  if (PUBLIC_AUTH_PREFIXES.some((prefix) => pathname === prefix.replace(/\/$/, "") || pathname.startsWith(prefix)))
    return "publicAuth";
  if (pathname === "/api/imports" || pathname === "/api/imports/") return "csvUpload";
  if (/^\/api\/campaigns\/[^/]+\/attachments\/?$/.test(pathname)) return "attachmentUpload";
  if (pathname === "/api/inngest") return "inngest";
  return "api";
}

export function bodyLimitFor(pathname: string): number {
  return BODY_LIMITS[bodyLimitClass(pathname)];
}

/** A body over its route's limit: answered with 413, nothing stored. */
export class PayloadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than ${formatBytes(limit)}`);
    this.name = "PayloadTooLargeError";
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

/** The declared length when it already exceeds `limit` (a well-formed number), else null. */
export function declaredLengthOver(contentLength: string | null | undefined, limit: number): number | null {
  if (!contentLength || !/^\d+$/.test(contentLength.trim())) return null;
  const length = Number(contentLength);
  return length > limit ? length : null;
}

/**
 * Reads a whole request body, but never more than `limit` bytes: a declared length over the limit
 * is refused before reading, and a chunked body is cancelled as soon as it passes the limit.
 * Throws PayloadTooLargeError.
 */
export async function readBodyWithin(request: Request, limit: number): Promise<Uint8Array> {
  if (declaredLengthOver(request.headers.get("content-length"), limit) !== null) throw new PayloadTooLargeError(limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The same request with its body read within `limit` (for handlers that read the body themselves). */
export async function withBodyWithin(request: Request, limit: number): Promise<Request> {
  if (request.method === "GET" || request.method === "HEAD") return request;
  const body = await readBodyWithin(request, limit);
  const headers = new Headers(request.headers);
  headers.delete("transfer-encoding");
  headers.set("content-length", String(body.byteLength));
  return new Request(request.url, { method: request.method, headers, body: body as BodyInit, signal: request.signal });
}

/** Counts bytes through a Node stream pipeline and fails it past `limit` (streamed uploads). */
export function byteLimit(limit: number): TransformStream<Uint8Array, Uint8Array> {
  let total = 0;
  return new TransformStream({
    transform(chunk, controller) {
      total += chunk.byteLength;
      if (total > limit) controller.error(new PayloadTooLargeError(limit));
      else controller.enqueue(chunk);
    },
  });
}

/**
 * Wraps a route handler so it sees a request whose body was read within its route's limit
 * (`bodyLimitFor`); a larger body answers 413 (an HTML page for `html`) and the handler never runs.
 */
export function withinBodyLimit<Rest extends unknown[]>(
  handler: (request: Request, ...rest: Rest) => Promise<Response> | Response,
  { kind = "json" }: { kind?: "json" | "html" } = {},
): (request: Request, ...rest: Rest) => Promise<Response> {
  return async (request, ...rest) => {
    let capped: Request;
    try {
      capped = await withBodyWithin(request, bodyLimitFor(new URL(request.url).pathname));
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return payloadTooLargeResponse(error.limit, kind);
      throw error;
    }
    return handler(capped, ...rest);
  };
}

export function payloadTooLargeResponse(limit: number, kind: "json" | "html" = "json"): Response {
  const message = `The request body is larger than ${formatBytes(limit)}.`;
  const headers = { "cache-control": "no-store", connection: "close" };
  if (kind === "html") {
    return new Response(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Request too large</title></head><body><h1>Request too large</h1><p>${message}</p></body></html>`,
      {
        status: 413,
        headers: { ...headers, "content-type": "text/html; charset=utf-8" },
      },
    );
  }
  return Response.json({ message, code: "PAYLOAD_TOO_LARGE" }, { status: 413, headers });
}
