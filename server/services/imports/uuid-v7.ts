import { randomBytes } from "node:crypto";

let pool = Buffer.alloc(0);
let offset = 0;
let lastMs = 0;
let sequence = 0;

/**
 * Time-ordered UUIDs (RFC 9562 version 7) for rows a bulk import creates. Random v4 ids scatter
 * every insert across the whole primary-key index (and the indexes that lead with the contact id),
 * which stops fitting in shared buffers after a few hundred thousand rows; v7 ids append at the
 * right edge instead. 48-bit millisecond time, a 12-bit counter within the millisecond, 62 random bits.
 */
export function uuidv7(): string {
  if (pool.length - offset < 8) {
    pool = randomBytes(8 * 4096);
    offset = 0;
  }
  const ms = Date.now();
  if (ms === lastMs) sequence = (sequence + 1) & 0xfff;
  else {
    lastMs = ms;
    sequence = pool[offset]! & 0x7f;
  }
  const time = ms.toString(16).padStart(12, "0");
  const rand = pool.subarray(offset, offset + 8);
  offset += 8;
  const variant = ((rand[0]! & 0x3f) | 0x80).toString(16).padStart(2, "0");
  const tail = rand.subarray(1, 8).toString("hex");
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${sequence.toString(16).padStart(3, "0")}-${variant}${tail.slice(0, 2)}-${tail.slice(2, 14)}`;
}
