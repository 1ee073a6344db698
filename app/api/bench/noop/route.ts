import { getEnv } from "@/server/lib/env";

export const dynamic = "force-dynamic";

/**
 * BENCHMARK ONLY (`npm run bench -- webhooks`): the "do-nothing" baseline for the webhook routes.
 * Reads the body and answers the empty TwiML a webhook route answers, with no verification and no
 * database. 404 unless BENCH_ROUTES=1, which only the benchmark sets on the server it starts.
 */
export async function POST(request: Request): Promise<Response> {
  if (!getEnv().BENCH_ROUTES) return new Response("Not found\n", { status: 404 });
  await request.text();
  return new Response('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', {
    status: 200,
    headers: { "content-type": "text/xml; charset=utf-8", "cache-control": "no-store" },
  });
}
