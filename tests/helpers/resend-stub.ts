import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { handleStubControl } from "./stub-control";

/**
 * A local stand-in for the Resend HTTP API, just enough for the real `resend` SDK.
 *
 * Point the SDK at it with `process.env.RESEND_BASE_URL = stub.url` (the SDK reads that variable
 * when a `Resend` client is constructed, so set it before the outbox is built: `resetEnv()`, then
 * `buildOutbox()` from server/wiring.ts, or the process's `getOutbox()`, which follows `resetEnv()`).
 *
 * Routes:
 * - `POST /emails`: records the request in `sent` and answers `{ id }`.
 * - `POST /emails/batch`: records the request (its body is the array of emails) in `sent` and
 *   answers `{ data: [{ id }, …] }`, one id per email.
 * - anything else: 404 `not_found`, recorded in `requests` only.
 *
 * Like the real API:
 * - a missing or empty `Authorization: Bearer …` header answers 401 `missing_api_key`;
 * - errors are JSON `{ statusCode, name, message }`, which the SDK returns as `{ error }`;
 * - `Idempotency-Key`: a repeat with the same key and the same body answers the first response
 *   again and is NOT recorded in `sent` a second time (nothing is "sent" twice); the same key with
 *   a different body answers 409 `invalid_idempotent_request`.
 *
 * `failNext(status, count)` makes the next `count` email calls (single or batch) fail with that
 * status before anything is recorded in `sent`, e.g. 429 (with a `Retry-After` header) or 500.
 *
 * `holdNext(count)` holds the next `count` email calls open (read, not answered) until
 * `release()`: then they are processed like any call (the emails count as delivered) and answered
 * if the client is still there, which is how a provider behaves when the caller dies mid-call.
 *
 * `deliveries()` lists every email delivered (one per email of each accepted call, idempotent
 * repeats excluded) with the idempotency key that carried it and its recipient, so a test counts
 * deliveries by distinct key and by recipient.
 */

export interface ResendStubRequest {
  method: string;
  /** Path without the query string, e.g. `/emails` or `/emails/batch`. */
  path: string;
  /** The parsed JSON body (`undefined` when the body was empty or not JSON). */
  body: any;
  /** Request headers, names lower-cased by Node: read `headers["idempotency-key"]`. */
  headers: Record<string, string>;
  /** The HTTP status the stub answered. */
  status: number;
}

export interface ResendStubSent {
  path: "/emails" | "/emails/batch";
  /** `/emails`: one email object (`from`, `to`, `subject`, `text`, `html`, `headers`…); batch: an array of them. */
  body: any;
  /** Request headers, names lower-cased (`authorization`, `idempotency-key`, `x-batch-validation`…). */
  headers: Record<string, string>;
  /** The id(s) answered: one for `/emails`, one per email for `/emails/batch`. */
  ids: string[];
}

export interface FailOptions {
  /** Seconds for the `Retry-After` header; defaults to 1 for 429, none otherwise. */
  retryAfter?: number;
  /** The error `name` in the body; defaults to the name Resend uses for that status. */
  name?: string;
  message?: string;
  /**
   * Process the call first (the emails are delivered and the key remembered), then answer the
   * error: a provider that did the work but whose answer was lost or turned into an error.
   */
  afterDelivery?: boolean;
}

export interface ResendStubDelivery {
  /** The `Idempotency-Key` of the call that delivered the email (undefined without one). */
  key: string | undefined;
  path: "/emails" | "/emails/batch";
  /** The first recipient of the email. */
  to: string;
}

export interface ResendStub {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** Emails accepted (2xx on `/emails` or `/emails/batch`), oldest first. Idempotent repeats are not added. */
  sent: ResendStubSent[];
  /** Every request the stub received, including refused ones, oldest first. */
  requests: ResendStubRequest[];
  /** The next `count` (default 1) email calls answer `status` with a Resend-style error body. */
  failNext(status: number, count?: number, options?: FailOptions): void;
  /** Holds the next `count` (default 1) email calls open until `release()`. */
  holdNext(count?: number): void;
  /** Email calls held open now. */
  readonly heldCount: number;
  /** Resolves once at least `count` (default 1) calls are held open. */
  waitForHeld(count?: number, timeoutMs?: number): Promise<void>;
  /** Processes and answers every held call (and holds no further ones). */
  release(): void;
  /** Every email delivered, oldest first (idempotent repeats excluded). */
  deliveries(): ResendStubDelivery[];
  /** Forgets recorded requests, pending failures, holds and idempotency keys. */
  reset(): void;
  close(): Promise<void>;
}

/** The error names Resend answers for each status (https://resend.com/docs/api-reference/errors). */
const ERROR_NAMES: Record<number, string> = {
  400: "validation_error",
  401: "missing_api_key",
  403: "invalid_api_key",
  404: "not_found",
  405: "method_not_allowed",
  409: "invalid_idempotent_request",
  422: "validation_error",
  429: "rate_limit_exceeded",
  500: "internal_server_error",
  503: "application_error",
};

interface PendingFailure {
  status: number;
  remaining: number;
  options: FailOptions;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function parseJson(raw: string): any {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startResendStub(options: { port?: number } = {}): Promise<ResendStub> {
  let holds = 0;
  const held: (() => void)[] = [];
  const sent: ResendStubSent[] = [];
  const requests: ResendStubRequest[] = [];
  const failures: PendingFailure[] = [];
  /** Idempotency-Key → the raw body it was first used with and the answer given. */
  const idempotency = new Map<string, { raw: string; path: string; response: unknown }>();

  function answer(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(payload));
  }

  function answerError(res: http.ServerResponse, status: number, options: FailOptions = {}) {
    const name = options.name ?? ERROR_NAMES[status] ?? "application_error";
    const headers: Record<string, string> = {};
    const retryAfter = options.retryAfter ?? (status === 429 ? 1 : undefined);
    if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
    return answer(
      res,
      status,
      { statusCode: status, name, message: options.message ?? `Stubbed Resend error: ${name}` },
      headers,
    );
  }

  /** What `handle` read of each request, for the `requests` log. */
  const seen = new WeakMap<http.IncomingMessage, { raw: string; headers: Record<string, string> }>();

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://stub").pathname.replace(/\/+$/, "");
    const isEmailRoute = req.method === "POST" && (path === "/emails" || path === "/emails/batch");
    const raw = await readBody(req);
    const json = parseJson(raw);
    const headers = flattenHeaders(req.headers);
    seen.set(req, { raw, headers });

    if (handleStubControl(req, res, stub)) return;
    if (!isEmailRoute) return answerError(res, 404, { message: "The requested endpoint does not exist." });
    if (!/^Bearer \S+/.test(headers.authorization ?? "")) {
      return answerError(res, 401, { message: "Missing API key in the authorization header." });
    }

    if (holds > 0) {
      holds -= 1;
      await new Promise<void>((resolve) => held.push(resolve));
    }

    const failure = failures[0];
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) failures.shift();
      if (!failure.options.afterDelivery) return answerError(res, failure.status, failure.options);
    }
    const reply = (status: number, payload: unknown) =>
      failure?.options.afterDelivery ? answerError(res, failure.status, failure.options) : answer(res, status, payload);

    if (
      json === undefined ||
      (path === "/emails/batch" ? !Array.isArray(json) : typeof json !== "object" || Array.isArray(json))
    ) {
      return answerError(res, 422, { message: "Invalid JSON body." });
    }

    const key = headers["idempotency-key"];
    if (key) {
      const previous = idempotency.get(key);
      if (previous) {
        if (previous.raw !== raw || previous.path !== path) {
          return answerError(res, 409, { message: "Same idempotency key used with a different request payload." });
        }
        return reply(200, previous.response);
      }
    }

    const ids = path === "/emails" ? [randomUUID()] : (json as unknown[]).map(() => randomUUID());
    const response = path === "/emails" ? { id: ids[0] } : { data: ids.map((id) => ({ id })) };
    sent.push({ path: path as ResendStubSent["path"], body: json, headers, ids });
    if (key) idempotency.set(key, { raw, path, response });
    return reply(200, response);
  }

  const server = http.createServer((req, res) => {
    handle(req, res)
      .catch((error: unknown) => {
        if (!res.headersSent) answerError(res, 500, { message: String(error) });
      })
      .finally(() => {
        const { raw, headers } = seen.get(req) ?? { raw: "", headers: flattenHeaders(req.headers) };
        requests.push({
          method: req.method ?? "GET",
          path: new URL(req.url ?? "/", "http://stub").pathname,
          body: parseJson(raw),
          headers,
          status: res.statusCode,
        });
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Like the real APIs' load balancers, keep idle connections longer than clients do (undici: 4 s),
    // so the client always closes first. With Node's default 5 s, a socket reused just as the stub
    // closes it fails the call ("other side closed"), which the pipeline rightly retries later.
    server.keepAliveTimeout = 65_000;
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const stub: ResendStub = {
    url: `http://127.0.0.1:${port}`,
    sent,
    requests,
    holdNext(count = 1) {
      holds += count;
    },
    get heldCount() {
      return held.length;
    },
    async waitForHeld(count = 1, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (held.length < count) {
        if (Date.now() > until)
          throw new Error(`waitForHeld: ${held.length} of ${count} calls held after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    release() {
      holds = 0;
      for (const resume of held.splice(0)) resume();
    },
    deliveries() {
      return sent.flatMap((s) =>
        (s.path === "/emails" ? [s.body] : (s.body as unknown[])).map((email) => {
          const to = (email as { to?: string | string[] }).to;
          return { key: s.headers["idempotency-key"], path: s.path, to: String(Array.isArray(to) ? to[0] : to) };
        }),
      );
    },
    failNext(status, count = 1, options = {}) {
      if (!Number.isInteger(status) || status < 400 || status > 599)
        throw new Error(`failNext: ${status} is not an error status`);
      if (!Number.isInteger(count) || count < 1) throw new Error(`failNext: count must be a positive integer`);
      failures.push({ status, remaining: count, options });
    },
    reset() {
      holds = 0;
      for (const resume of held.splice(0)) resume();
      sent.length = 0;
      requests.length = 0;
      failures.length = 0;
      idempotency.clear();
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
  return stub;
}
