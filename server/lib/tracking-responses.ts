import { logger } from "./logger";

/** A transparent 1×1 GIF: the open pixel's body. */
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

/** The open pixel: never cached (every load is an open), no referrer. */
export function pixelResponse(status = 200): Response {
  return new Response(new Uint8Array(PIXEL), {
    status,
    headers: {
      "content-type": "image/gif",
      "content-length": String(PIXEL.length),
      "cache-control": "no-store, no-cache, must-revalidate, max-age=0",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
    },
  });
}

/** A click redirect to the stored URL: not cached, and the tracking URL never leaks as Referer. */
export function trackedRedirect(url: string): Response {
  return new Response(null, {
    status: 302,
    headers: { location: url, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
}

/**
 * Runs the recording of a tracking event without letting it fail the answer: a pixel still
 * answers and a redirect still goes where the message said if the database refuses the write.
 */
export async function recordQuietly(record: () => Promise<unknown>): Promise<void> {
  try {
    await record();
  } catch (error) {
    logger.warn({ err: error instanceof Error ? { name: error.name } : undefined }, "tracking event not recorded");
  }
}
