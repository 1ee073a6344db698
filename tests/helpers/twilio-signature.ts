import twilio from "twilio";

export const TEST_TWILIO_AUTH_TOKEN = "test-twilio-auth-token-0123456789ab";

/** `X-Twilio-Signature` exactly as Twilio computes it for `url` and the form parameters. */
export function twilioSignature(
  url: string,
  params: Record<string, string>,
  authToken = TEST_TWILIO_AUTH_TOKEN,
): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

/**
 * A signed Twilio webhook request: form-encoded body, signature over `signedUrl` (defaults to the
 * URL requested). Pass `signedUrl` to sign another URL, `signature: null` to omit the header,
 * or `tamper` to change the body after signing.
 */
export function twilioRequest(
  url: string,
  params: Record<string, string>,
  options: {
    signedUrl?: string;
    signature?: string | null;
    tamper?: Record<string, string>;
    authToken?: string;
    headers?: Record<string, string>;
  } = {},
): Request {
  const signature =
    options.signature === undefined
      ? twilioSignature(options.signedUrl ?? url, params, options.authToken)
      : options.signature;
  const body = new URLSearchParams({ ...params, ...options.tamper }).toString();
  return new Request(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(signature !== null ? { "x-twilio-signature": signature } : {}),
      ...options.headers,
    },
    body,
  });
}
