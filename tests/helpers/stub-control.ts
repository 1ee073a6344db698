import type http from "node:http";

/** What both provider stubs expose for control from another process. */
export interface ControllableStub {
  holdNext(count?: number): void;
  readonly heldCount: number;
  release(): void;
  deliveries(): { key: string | undefined; to: string }[];
  reset(): void;
}

/**
 * Control routes of a provider stub run as a separate process (tests/helpers/provider-stubs.ts):
 * `POST /__stub/hold?count=N`, `POST /__stub/release`, `POST /__stub/reset`, `GET /__stub/held`,
 * `GET /__stub/deliveries` (each email or SMS delivered, with its idempotency key and recipient).
 * Returns false when the path is not a control route.
 */
export function handleStubControl(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  stub: ControllableStub,
): boolean {
  const url = new URL(req.url ?? "/", "http://stub");
  if (!url.pathname.startsWith("/__stub/")) return false;
  const reply = (status: number, payload: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(payload));
  };
  const action = `${req.method} ${url.pathname}`;
  if (action === "POST /__stub/hold") {
    const count = Number(url.searchParams.get("count") ?? "1");
    if (!Number.isInteger(count) || count < 1) reply(400, { message: "count must be a positive integer" });
    else {
      stub.holdNext(count);
      reply(200, { held: stub.heldCount });
    }
  } else if (action === "POST /__stub/release") {
    stub.release();
    reply(200, { released: true });
  } else if (action === "POST /__stub/reset") {
    stub.reset();
    reply(200, { reset: true });
  } else if (action === "GET /__stub/held") reply(200, { held: stub.heldCount });
  else if (action === "GET /__stub/deliveries") reply(200, { deliveries: stub.deliveries() });
  else reply(404, { message: "unknown stub control route" });
  return true;
}
