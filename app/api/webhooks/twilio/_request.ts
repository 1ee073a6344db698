import { getEnv } from "@/server/lib/env";
import { isValidTwilioRequest, parseTwilioForm } from "@/server/services/webhooks/twilio-signature";
import { readBodyText } from "../_body";

/** Twilio's webhook bodies are a few kilobytes (an SMS is at most 1,600 characters). */
const MAX_TWILIO_BODY_BYTES = 64 * 1024;

/**
 * The form parameters of a genuine Twilio request, or null. The signature is checked over
 * PUBLIC_URL + the request path and query (never the Host header) with TWILIO_AUTH_TOKEN; no
 * token configured → null too, so the endpoints refuse everything until Twilio is set up. Not
 * form-encoded or larger than 64 KB → null.
 */
export async function readVerifiedTwilioForm(request: Request): Promise<Record<string, string> | null> {
  const env = getEnv();
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) return null;
  const body = await readBodyText(request, MAX_TWILIO_BODY_BYTES);
  if (body === null) return null;
  const params = parseTwilioForm(body);
  const url = new URL(request.url);
  const isValid = isValidTwilioRequest({
    authToken: env.TWILIO_AUTH_TOKEN,
    signature: request.headers.get("x-twilio-signature"),
    publicUrl: env.PUBLIC_URL,
    pathWithQuery: `${url.pathname}${url.search}`,
    params,
  });
  return isValid ? params : null;
}

export function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
}

export function xml(body: string): Response {
  return new Response(body, { status: 200, headers: { "content-type": "text/xml; charset=utf-8", "cache-control": "no-store" } });
}
