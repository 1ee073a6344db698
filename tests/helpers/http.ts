import { createOpenApiFetchHandler } from "trpc-to-openapi";
import { handleRestRequest } from "@/server/api/rest";

const BASE = "http://localhost:3000";

/** Calls `/api/v1` exactly as the route handler does, without a server. */
export async function rest(
  method: string,
  path: string,
  { key, body, headers = {} }: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const init: RequestInit = {
    method,
    headers: {
      ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  };
  const response = await handleRestRequest(new Request(`${BASE}/api/v1${path}`, init), createOpenApiFetchHandler);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}
