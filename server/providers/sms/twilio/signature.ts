import twilio from "twilio";

/**
 * Whether a Twilio webhook request is genuine: `X-Twilio-Signature` must be Twilio's HMAC-SHA1
 * (with the auth token) over the URL Twilio called plus the sorted form parameters. The URL is
 * rebuilt from PUBLIC_URL and the request path (+ query), never from the Host header, so a
 * request aimed at another host or path fails. No token configured → every request is refused
 * (we cannot tell Twilio from anyone else).
 */
export function isValidTwilioRequest(input: {
  authToken: string | undefined;
  signature: string | null;
  publicUrl: string;
  pathWithQuery: string;
  params: Record<string, string>;
}): boolean {
  if (!input.authToken || !input.signature) return false;
  const url = `${input.publicUrl.replace(/\/+$/, "")}${input.pathWithQuery}`;
  try {
    return twilio.validateRequest(input.authToken, input.signature, url, input.params);
  } catch {
    return false;
  }
}

/** Form-encoded body → params; a key sent twice keeps its last value, as Twilio never repeats keys. */
export function parseTwilioForm(body: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) params[key] = value;
  return params;
}
