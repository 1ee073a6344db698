import { customType } from "drizzle-orm/pg-core";
import { decryptPii, encryptPii } from "../../server/lib/crypto";

/**
 * A jsonb column whose person-identifying keys are encrypted at rest (AES-256-GCM, like the other
 * PII; key rotation as in server/lib/crypto.ts). The named keys travel together in one ciphertext
 * under `sealed`; the other keys stay readable to SQL (forms look up `formVersion`, history joins
 * on `textHash`). Rows written before sealing existed hold those keys in clear and read as they
 * are. Every read and write through Drizzle goes through this codec; raw SQL that writes the
 * column must store `{"sealed": sealJson(...)}` itself (see sealJson).
 */
export function sealedJsonb<T extends object>(
  name: string,
  { keys, purpose }: { keys: readonly string[]; purpose: string },
) {
  return customType<{ data: T; driverData: string | Record<string, unknown> }>({
    dataType: () => "jsonb",
    toDriver: (value) => JSON.stringify(seal(value as Record<string, unknown>, keys, purpose)),
    fromDriver: (stored) =>
      open(typeof stored === "string" ? (JSON.parse(stored) as Record<string, unknown>) : stored, purpose) as T,
  })(name);
}

/** The ciphertext of `values` (the sealed keys of one row) for the `sealed` key; for raw-SQL writers. */
export function sealJson(values: Record<string, unknown>, purpose: string): string {
  return encryptPii(JSON.stringify(values), purpose);
}

function seal(value: Record<string, unknown>, keys: readonly string[], purpose: string): Record<string, unknown> {
  const clear: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || key === "sealed") continue;
    if (keys.includes(key)) secret[key] = item;
    else clear[key] = item;
  }
  return Object.keys(secret).length ? { ...clear, sealed: sealJson(secret, purpose) } : clear;
}

function open(stored: Record<string, unknown>, purpose: string): Record<string, unknown> {
  const { sealed, ...clear } = stored;
  if (typeof sealed !== "string") return stored;
  return { ...clear, ...(JSON.parse(decryptPii(sealed, purpose)) as Record<string, unknown>) };
}
