import { afterEach, describe, expect, it } from "vitest";
import type { NextRequest } from "next/server";
import { resetEnv } from "@/server/lib/env";

/** `/api/inngest` is only served when an Inngest server drives the functions. */
describe("/api/inngest", () => {
  afterEach(() => {
    delete process.env.INNGEST_DEV;
    resetEnv();
  });

  const request = (method: string) =>
    new Request("http://localhost:3000/api/inngest", { method }) as unknown as NextRequest;

  it("answers 404 on every method when no Inngest server is configured", async () => {
    delete process.env.INNGEST_DEV;
    resetEnv();
    const route = await import("@/app/api/inngest/route");
    for (const method of [route.GET, route.POST, route.PUT]) {
      const response = await method(request("GET"), undefined);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: "not_found" });
    }
  });

  it("hands requests to serve() once a server is configured (introspection lists the functions)", async () => {
    process.env.INNGEST_DEV = "1";
    resetEnv();
    const route = await import("@/app/api/inngest/route");
    const response = await route.GET(request("GET"), undefined);
    expect(response.status).toBe(200);
    const { functions } = await import("@/inngest/functions");
    // An `onFailure` handler is served as a function of its own.
    const withFailureHandlers = functions.reduce(
      (n, f) => n + 1 + ((f as unknown as { opts: { onFailure?: unknown } }).opts.onFailure ? 1 : 0),
      0,
    );
    expect(withFailureHandlers).toBeGreaterThan(functions.length);
    expect(await response.json()).toMatchObject({ function_count: withFailureHandlers, mode: "dev" });
  });
});
