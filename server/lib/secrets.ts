import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { getEnv, ZEncryptionKeys } from "./env";
import { logger } from "./logger";

/**
 * APP_SECRET and ENCRYPTION_KEYS: from env when set, otherwise generated once into
 * `DATA_DIR/secrets.json` (mode 0600) with a warning. Creation uses O_EXCL, so two processes
 * starting together agree on one file. Losing that file makes encrypted PII unreadable.
 */
export interface Secrets {
  appSecret: string;
  encryptionKeys: { id: string; key: Buffer }[];
}

interface StoredSecrets {
  appSecret: string;
  encryptionKeys: string;
}

// On globalThis because Next may load this module twice: one set of secrets per process, read (or generated) once.
const globalForSecrets = globalThis as unknown as { __optinSecrets?: Secrets };

function readOrCreateStored(dataDir: string): StoredSecrets {
  const file = path.join(dataDir, "secrets.json");
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as StoredSecrets;
  fs.mkdirSync(dataDir, { recursive: true });
  const stored: StoredSecrets = {
    appSecret: randomBytes(48).toString("base64url"),
    encryptionKeys: `k1:${randomBytes(32).toString("base64")}`,
  };
  try {
    fs.writeFileSync(file, JSON.stringify(stored, null, 2), { flag: "wx", mode: 0o600 });
    logger.warn(
      { file },
      "APP_SECRET / ENCRYPTION_KEYS not set: generated them into DATA_DIR. Back this file up, or set both variables in production.",
    );
    return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      return JSON.parse(fs.readFileSync(file, "utf8")) as StoredSecrets;
    }
    throw error;
  }
}

export function getSecrets(): Secrets {
  if (globalForSecrets.__optinSecrets) return globalForSecrets.__optinSecrets;
  const env = getEnv();
  let appSecret = env.APP_SECRET;
  let encryptionKeys = env.ENCRYPTION_KEYS;
  if (!appSecret || !encryptionKeys) {
    const stored = readOrCreateStored(path.resolve(env.DATA_DIR));
    appSecret ??= stored.appSecret;
    encryptionKeys ??= ZEncryptionKeys.parse(stored.encryptionKeys);
  }
  globalForSecrets.__optinSecrets = { appSecret, encryptionKeys };
  return globalForSecrets.__optinSecrets;
}

export function resetSecrets(): void {
  globalForSecrets.__optinSecrets = undefined;
}
