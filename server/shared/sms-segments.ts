/**
 * SMS segment counting (GSM 03.38 vs UCS-2), as carriers bill it.
 *
 * - A body made only of GSM-7 basic characters and extension characters is GSM-7: 160 septets
 *   in one message, 153 per segment when concatenated. Extension characters (`^{}\[~]|€` and form
 *   feed) cost two septets each and are never split across segments.
 * - Anything else (emoji, most accented letters, CJK…) switches the whole body to UCS-2: 70 UTF-16
 *   code units in one message, 67 per segment; a surrogate pair (emoji) is never split.
 *
 * Pure: no I/O, used by the transports (Twilio reports its own count; the log transport needs ours)
 * and by the template editor.
 */

const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION = "\f^{}\\[~]|€";

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

export type SmsEncoding = "GSM-7" | "UCS-2";

export interface SmsSegmentInfo {
  encoding: SmsEncoding;
  /** Number of messages the body is sent (and billed) as; 0 for an empty body. */
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) used. */
  units: number;
  /** Units that fit in one segment at this length (160/153 or 70/67). */
  perSegment: number;
  /** Units still free in the last segment. */
  remaining: number;
}

export function isGsm7(body: string): boolean {
  for (const ch of body) if (!BASIC.has(ch) && !EXTENSION.has(ch)) return false;
  return true;
}

/** Packs characters of `costs` units into segments of `size` without splitting one character. */
function packSegments(costs: number[], size: number): number {
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > size) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return segments;
}

export function countSmsSegments(body: string): SmsSegmentInfo {
  const chars = [...body];
  const gsm = isGsm7(body);
  const costs = chars.map((ch) => (gsm ? (EXTENSION.has(ch) ? 2 : 1) : ch.length));
  const units = costs.reduce((a, b) => a + b, 0);
  const single = gsm ? 160 : 70;
  const multi = gsm ? 153 : 67;
  const encoding: SmsEncoding = gsm ? "GSM-7" : "UCS-2";
  if (units === 0) return { encoding, segments: 0, units: 0, perSegment: single, remaining: single };
  if (units <= single) return { encoding, segments: 1, units, perSegment: single, remaining: single - units };
  const segments = packSegments(costs, multi);
  const lastUsed = (() => {
    let used = 0;
    for (const cost of costs) {
      if (used + cost > multi) used = 0;
      used += cost;
    }
    return used;
  })();
  return { encoding, segments, units, perSegment: multi, remaining: multi - lastUsed };
}
