import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { handleStubControl } from "./stub-control";

/**
 * A local stand-in for the Twilio Messages API, just enough for the real `twilio` SDK.
 *
 * Point the app at it with `TWILIO_API_BASE_URL = stub.url` (plus `TWILIO_ACCOUNT_SID`,
 * `TWILIO_AUTH_TOKEN`, `TWILIO_FROM`), then `resetEnv()` and build the outbox from the environment
 * (`buildOutbox()` from server/wiring.ts, or the process's `getOutbox()`, which follows `resetEnv()`).
 *
 * Routes: `POST /2010-04-01/Accounts/{sid}/Messages.json` (form-encoded) answers 201 with a
 * message resource (`sid`, `status: "queued"`, `num_segments`). Anything else: 404.
 *
 * Like Twilio:
 * - Basic auth is required (401, code 20003, without it);
 * - `I-Twilio-Idempotency-Token`: a repeat with the same token answers the first message again
 *   and is not recorded in `sent` a second time;
 * - errors are JSON `{ code, message, more_info, status }`.
 *
 * Programmable failures (consumed before anything is recorded in `sent`):
 * - `failNext({ status, code?, retryAfter? }, count)`: the next `count` calls fail, e.g.
 *   `{ status: 503 }`, `{ status: 429, retryAfter: 2 }`, `{ status: 400, code: 21610 }`;
 * - `failFor(to, failure)`: every call to that number fails (e.g. 21610 for a number that texted STOP).
 *
 * `holdNext(count)` holds the next `count` calls open until `release()`; then they are processed
 * (the SMS counts as delivered) and answered if the client is still there, as a provider does
 * when the caller dies mid-call. `deliveries()` lists each SMS delivered with its idempotency
 * token and recipient.
 */

export interface TwilioStubFailure {
  status: number;
  /** Twilio error code; defaults to 20429 for 429, 20500 for 5xx, 21211 otherwise. */
  code?: number;
  /** Seconds for a `Retry-After` header. */
  retryAfter?: number;
  message?: string;
  /** Process the call first (the SMS is delivered, the token remembered), then answer the error. */
  afterDelivery?: boolean;
}

export interface TwilioStubMessage {
  sid: string;
  accountSid: string;
  /** The form fields as posted (`To`, `From` or `MessagingServiceSid`, `Body`, `StatusCallback`). */
  form: Record<string, string>;
  idempotencyToken?: string;
  segments: number;
}

export interface TwilioStubRequest {
  method: string;
  path: string;
  form: Record<string, string>;
  idempotencyToken?: string;
  status: number;
}

export interface TwilioStub {
  url: string;
  /** Messages accepted (201), oldest first; idempotent repeats are not added. */
  sent: TwilioStubMessage[];
  /** Every request, refused ones included, oldest first. */
  requests: TwilioStubRequest[];
  failNext(failure: TwilioStubFailure, count?: number): void;
  /** Holds the next `count` (default 1) calls open until `release()`. */
  holdNext(count?: number): void;
  readonly heldCount: number;
  waitForHeld(count?: number, timeoutMs?: number): Promise<void>;
  release(): void;
  /** Every SMS delivered, oldest first (idempotent repeats excluded). */
  deliveries(): { key: string | undefined; to: string }[];
  failFor(to: string, failure: TwilioStubFailure): void;
  reset(): void;
  close(): Promise<void>;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/;

function segmentsOf(body: string): number {
  // GSM-7 only approximated: non-ASCII → UCS-2. Enough for tests of "segments are recorded".
  const ucs2 = /[^\u0000-\u007f]/.test(body);
  const single = ucs2 ? 70 : 160;
  const multi = ucs2 ? 67 : 153;
  return body.length <= single ? 1 : Math.ceil(body.length / multi);
}

export async function startTwilioStub(options: { port?: number } = {}): Promise<TwilioStub> {
  let holds = 0;
  const held: (() => void)[] = [];
  const sent: TwilioStubMessage[] = [];
  const requests: TwilioStubRequest[] = [];
  const queue: { failure: TwilioStubFailure; remaining: number }[] = [];
  const byNumber = new Map<string, TwilioStubFailure>();
  const idempotent = new Map<string, unknown>();

  function answer(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(payload));
  }

  function answerFailure(res: http.ServerResponse, failure: TwilioStubFailure) {
    const code = failure.code ?? (failure.status === 429 ? 20429 : failure.status >= 500 ? 20500 : 21211);
    const headers: Record<string, string> =
      failure.retryAfter !== undefined ? { "retry-after": String(failure.retryAfter) } : {};
    answer(
      res,
      failure.status,
      {
        code,
        message: failure.message ?? `Stubbed Twilio error ${code}`,
        more_info: `https://www.twilio.com/docs/errors/${code}`,
        status: failure.status,
      },
      headers,
    );
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (holds > 0 && req.method === "POST" && MESSAGES_PATH.test(new URL(req.url ?? "/", "http://stub").pathname)) {
        holds -= 1;
        held.push(() => processRequest());
        return;
      }
      processRequest();
    });
    const processRequest = () => {
      if (handleStubControl(req, res, stub)) return;
      respond();
      // A held call whose caller was killed: no finish or close event comes any more.
      if (res.destroyed || req.socket.destroyed) record();
    };
    let record = () => {};
    const respond = () => {
      const path = new URL(req.url ?? "/", "http://stub").pathname;
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
      const token = req.headers["i-twilio-idempotency-token"] as string | undefined;
      // Recorded once answered, even when the caller is gone (a held call whose client was killed).
      let recorded = false;
      record = () => {
        if (recorded) return;
        recorded = true;
        requests.push({ method: req.method ?? "GET", path, form, idempotencyToken: token, status: res.statusCode });
      };
      res.on("finish", record);
      res.on("close", record);

      const match = MESSAGES_PATH.exec(path);
      if (req.method !== "POST" || !match)
        return answer(res, 404, { code: 20404, message: "The requested resource was not found", status: 404 });
      if (!/^Basic \S+/.test(req.headers.authorization ?? ""))
        return answer(res, 401, { code: 20003, message: "Authenticate", status: 401 });

      const head = queue[0];
      if (head) {
        head.remaining -= 1;
        if (head.remaining <= 0) queue.shift();
        if (!head.failure.afterDelivery) return answerFailure(res, head.failure);
      }
      const reply = (resource: unknown) =>
        head?.failure.afterDelivery ? answerFailure(res, head.failure) : answer(res, 201, resource);
      const perNumber = form.To ? byNumber.get(form.To) : undefined;
      if (perNumber) return answerFailure(res, perNumber);
      if (!form.To || !form.Body || !(form.From || form.MessagingServiceSid)) {
        return answer(res, 400, {
          code: 21604,
          message: "A 'To', 'Body' and 'From' or 'MessagingServiceSid' are required",
          status: 400,
        });
      }
      if (token && idempotent.has(token)) return reply(idempotent.get(token));

      const sid = `SM${randomBytes(16).toString("hex")}`;
      const segments = segmentsOf(form.Body);
      const resource = {
        sid,
        account_sid: match[1],
        to: form.To,
        from: form.From ?? null,
        messaging_service_sid: form.MessagingServiceSid ?? null,
        body: form.Body,
        status: "queued",
        num_segments: String(segments),
        date_created: new Date().toUTCString(),
        uri: `/2010-04-01/Accounts/${match[1]}/Messages/${sid}.json`,
      };
      sent.push({ sid, accountSid: match[1]!, form, idempotencyToken: token, segments });
      if (token) idempotent.set(token, resource);
      return reply(resource);
    };
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

  const stub: TwilioStub = {
    url: `http://127.0.0.1:${port}`,
    sent,
    requests,
    failNext(failure, count = 1) {
      if (!Number.isInteger(failure.status) || failure.status < 400 || failure.status > 599)
        throw new Error(`failNext: ${failure.status} is not an error status`);
      queue.push({ failure, remaining: count });
    },
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
      return sent.map((m) => ({ key: m.idempotencyToken, to: m.form.To ?? "" }));
    },
    failFor(to, failure) {
      byNumber.set(to, failure);
    },
    reset() {
      holds = 0;
      for (const resume of held.splice(0)) resume();
      sent.length = 0;
      requests.length = 0;
      queue.length = 0;
      byNumber.clear();
      idempotent.clear();
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
