export const dynamic = "force-dynamic";

/**
 * Bench build only (`BENCH_BUILD=1`, see next.config.ts; never in the production build): the
 * "do-nothing" baseline of `npm run bench -- webhooks`. Reads the body and answers the empty TwiML
 * a webhook route answers, with no verification and no database.
 */
export async function POST(request: Request): Promise<Response> {
  await request.text();
  return new Response('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', {
    status: 200,
    headers: { "content-type": "text/xml; charset=utf-8", "cache-control": "no-store" },
  });
}
