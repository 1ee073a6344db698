import type http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppHttpServer } from "@/server/http/server";
import {
  BODY_LIMITS,
  bodyLimitClass,
  PayloadTooLargeError,
  readBodyWithin,
  withinBodyLimit,
} from "@/server/lib/body-limits";
import { SOCKET_ADDRESS_HEADER } from "@/server/lib/client-address";

/** Our HTTP server in front of a stand-in for Next that records what reached it. */
let server: http.Server;
let base: string;
const reached: { path: string; socketAddress: string | undefined; bytes: number }[] = [];

beforeAll(async () => {
  server = createAppHttpServer(async (req, res) => {
    let bytes = 0;
    for await (const chunk of req) bytes += (chunk as Buffer).byteLength;
    reached.push({
      path: req.url ?? "",
      socketAddress: req.headers[SOCKET_ADDRESS_HEADER] as string | undefined,
      bytes,
    });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("HTTP server: client address", () => {
  it("writes the socket address over any value a client sends under that header", async () => {
    reached.length = 0;
    const res = await fetch(`${base}/sign-in`, {
      headers: { [SOCKET_ADDRESS_HEADER]: "203.0.113.66", "x-forwarded-for": "203.0.113.66" },
    });
    expect(res.status).toBe(200);
    expect(reached[0]!.socketAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });
});

describe("HTTP server: body caps before reading", () => {
  it("a contact page body declared over 64 KB answers 413 and never reaches the application", async () => {
    reached.length = 0;
    const body = "x".repeat(BODY_LIMITS.contactPage + 1);
    for (const path of ["/f/signup", "/u/token", "/preferences/token", "/confirm/code/123"]) {
      const res = await fetch(`${base}${path}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
      });
      expect(res.status).toBe(413);
      expect(await res.text()).toContain("larger than 64 KB");
    }
    expect(reached).toHaveLength(0);
  });

  it("API JSON over 1 MB answers 413 with a JSON error; within the limit it is handed over", async () => {
    reached.length = 0;
    const big = await fetch(`${base}/api/v1/contacts`, {
      method: "POST",
      body: "x".repeat(BODY_LIMITS.api + 1),
      headers: { "content-type": "application/json" },
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ message: "The request body is larger than 1 MB.", code: "PAYLOAD_TOO_LARGE" });
    const fine = await fetch(`${base}/api/v1/contacts`, {
      method: "POST",
      body: "x".repeat(BODY_LIMITS.contactPage * 2),
      headers: { "content-type": "application/json" },
    });
    expect(fine.status).toBe(200);
    expect(reached).toEqual([
      { path: "/api/v1/contacts", socketAddress: expect.any(String), bytes: BODY_LIMITS.contactPage * 2 },
    ]);
  });

  it("a 100 MB declared form body is refused at once, without the server reading it", async () => {
    const started = Date.now();
    const res = await fetch(`${base}/f/signup`, {
      method: "POST",
      headers: { "content-length": String(100 * 1024 * 1024), "content-type": "application/x-www-form-urlencoded" },
      body: new ReadableStream({
        pull(controller) {
          controller.enqueue(new Uint8Array(64 * 1024));
        },
      }),
      duplex: "half",
    } as RequestInit).catch((error: unknown) => error as Error);
    // Either the 413 arrives, or the connection is closed on the sender mid-upload; never a 200.
    if (res instanceof Response) expect(res.status).toBe(413);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("body limits inside the application (bodies without a declared length)", () => {
  it("classifies routes", () => {
    expect(bodyLimitClass("/f/abc")).toBe("contactPage");
    expect(bodyLimitClass("/u/abc/one-click")).toBe("contactPage");
    expect(bodyLimitClass("/sign-in")).toBe("publicAuth");
    expect(bodyLimitClass("/api/imports")).toBe("csvUpload");
    expect(bodyLimitClass("/api/trpc/contacts.upsert")).toBe("api");
  });

  it("a chunked body is cut off as soon as it passes the limit", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(16 * 1024));
      },
    });
    const request = new Request("http://localhost/f/x", {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expect(readBodyWithin(request, BODY_LIMITS.contactPage)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(pulled).toBeLessThan(10);
  });

  it("withinBodyLimit answers 413 and never calls the handler", async () => {
    let called = false;
    const handler = withinBodyLimit(
      async () => {
        called = true;
        return new Response("ok");
      },
      { kind: "html" },
    );
    const res = await handler(
      new Request("http://localhost/f/x", { method: "POST", body: "a".repeat(BODY_LIMITS.contactPage + 10) }),
    );
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(called).toBe(false);
    const ok = await handler(new Request("http://localhost/f/x", { method: "POST", body: "email=a%40b.c" }));
    expect(ok.status).toBe(200);
  });
});
