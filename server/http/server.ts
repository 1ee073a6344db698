import http from "node:http";
import { bodyLimitClass, BODY_LIMITS, declaredLengthOver, formatBytes } from "../lib/body-limits";
import { SOCKET_ADDRESS_HEADER } from "../lib/client-address";

/**
 * The HTTP server in front of Next (`npm start`, `npm run dev`, the Docker image). It does two
 * things Next cannot do from inside the application, on every request, before any routing:
 *
 * 1. It writes the TCP peer's address into `x-optin-socket-address`, overwriting whatever a client
 *    sent under that name. The application reads the client address only from there (and from
 *    `X-Forwarded-For` only when that peer is in TRUSTED_PROXIES): Next itself keeps a
 *    client-supplied `X-Forwarded-For`, so it cannot tell a forged one from a proxy's.
 * 2. It refuses a body whose declared `Content-Length` is over its route's limit with 413 before
 *    reading a byte of it (server/lib/body-limits.ts), so memory stays flat whatever is sent.
 *    Bodies without a declared length are capped by the routes that read them.
 */
export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void;

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}

function refuseTooLarge(req: http.IncomingMessage, res: http.ServerResponse, limit: number, htmlPage: boolean) {
  const message = `The request body is larger than ${formatBytes(limit)}.`;
  const wantsHtml = htmlPage && (req.headers.accept ?? "").includes("text/html");
  const body = wantsHtml
    ? `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Request too large</title></head><body><h1>Request too large</h1><p>${message}</p></body></html>`
    : JSON.stringify({ message, code: "PAYLOAD_TOO_LARGE" });
  res.writeHead(413, {
    "content-type": wantsHtml ? "text/html; charset=utf-8" : "application/json",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    // The unread body may still be arriving: close rather than read it to reuse the connection.
    connection: "close",
  });
  res.end(body);
}

/**
 * Applies the two rules above, then hands the request to `handle`. Returns true when the request was
 * answered here (413) and must not reach the application.
 */
export function guardRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  req.headers[SOCKET_ADDRESS_HEADER] = req.socket.remoteAddress ?? "";
  const method = (req.method ?? "GET").toUpperCase();
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return false;
  const limitClass = bodyLimitClass(pathOf(req.url));
  const limit = BODY_LIMITS[limitClass];
  if (declaredLengthOver(req.headers["content-length"], limit) !== null) {
    refuseTooLarge(req, res, limit, limitClass === "contactPage" || limitClass === "publicAuth");
    return true;
  }
  return false;
}

export function createAppHttpServer(handle: RequestHandler): http.Server {
  return http.createServer((req, res) => {
    if (guardRequest(req, res)) return;
    Promise.resolve(handle(req, res)).catch((error: unknown) => {
      // Next answers its own errors; this only catches a failure to hand the request over.
      console.error("request handling failed", (error as Error)?.name ?? "Error");
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: "Internal server error", code: "INTERNAL_SERVER_ERROR" }));
      } else {
        res.end();
      }
    });
  });
}
