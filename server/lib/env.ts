import { isIP } from "node:net";
import { z } from "zod";

/**
 * The one place that reads `process.env`. Everything else imports `getEnv()`.
 * A bad value fails fast with one line naming the variable (see `formatEnvError`).
 */

const emptyToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url({ message: "must be an http(s) URL" }).optional());

const ENCRYPTION_KEY_ENTRY = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]+={0,2})$/;

export const ZEncryptionKeys = z.string().transform((raw, ctx) => {
  const keys: { id: string; key: Buffer }[] = [];
  for (const part of raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = ENCRYPTION_KEY_ENTRY.exec(part);
    const key = match ? Buffer.from(match[2]!, "base64") : undefined;
    if (!match || !key || key.length !== 32) {
      ctx.addIssue({ code: "custom", message: "must be comma-separated keyId:base64 entries of 32-byte keys" });
      return z.NEVER;
    }
    if (keys.some((k) => k.id === match[1])) {
      ctx.addIssue({ code: "custom", message: `has the key id "${match[1]}" twice` });
      return z.NEVER;
    }
    keys.push({ id: match[1]!, key });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: "custom", message: "must hold at least one keyId:base64 entry" });
    return z.NEVER;
  }
  return keys;
});

/**
 * The bootstrap key gets every scope, so it must be as hard to guess as a generated one: at least
 * 32 characters, not one character repeated, no whitespace. `om_` + 43 url-safe characters (what
 * Settings → API keys makes) passes.
 */
export const ZBootstrapApiKey = z
  .string()
  .min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)")
  .refine((v) => !/\s/.test(v), "must not contain whitespace")
  .refine(
    (v) => new Set(v).size >= 8,
    "must not be one character repeated: use a random value (e.g. `openssl rand -base64 32`)",
  );

/** One entry of TRUSTED_PROXIES: an IP address, or a CIDR block (`10.0.0.0/8`, `fd00::/8`). */
export interface TrustedProxy {
  address: string;
  family: "ipv4" | "ipv6";
  /** Prefix length; the full length for a single address. */
  prefix: number;
}

export const ZTrustedProxies = z.string().transform((raw, ctx) => {
  const entries: TrustedProxy[] = [];
  for (const part of raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [address = "", prefixText] = part.split("/");
    const version = isIP(address);
    const maxPrefix = version === 6 ? 128 : 32;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (
      version === 0 ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > maxPrefix ||
      (prefixText !== undefined && !/^\d+$/.test(prefixText))
    ) {
      ctx.addIssue({
        code: "custom",
        message: `must be comma-separated IP addresses or CIDR blocks ("${part}" is neither)`,
      });
      return z.NEVER;
    }
    entries.push({ address, family: version === 6 ? "ipv6" : "ipv4", prefix });
  }
  return entries;
});

const booleanFlag = z.preprocess(
  (v) => (typeof v === "string" ? ["1", "true", "yes", "on"].includes(v.trim().toLowerCase()) : v),
  z.boolean().default(false),
);

/** A switch that defaults on: true/false, 1/0, yes/no, on/off; anything else is refused (a typo must not flip it). */
const booleanSwitchDefaultOn = z.preprocess(
  (v) => {
    if (typeof v !== "string") return v;
    const text = v.trim().toLowerCase();
    if (text === "") return undefined;
    if (["1", "true", "yes", "on"].includes(text)) return true;
    if (["0", "false", "no", "off"].includes(text)) return false;
    return v;
  },
  z.boolean({ message: "must be true or false" }).default(true),
);

const ZEnv = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).default(3000)),
    PUBLIC_URL: optionalUrl,
    /**
     * Where open pixels and click redirects point (`/t/o/…`, `/t/c/…`, SMS short links `/t/{code}`):
     * a short domain routed to this app. Default PUBLIC_URL.
     */
    TRACKING_BASE_URL: optionalUrl,
    DATABASE_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((v) => {
          try {
            const url = new URL(v);
            return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
          } catch {
            return false;
          }
        }, "must be a postgres:// or postgresql:// URL with a host")
        .optional(),
    ),
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default("./.data")),
    /**
     * Apply pending migrations when the server opens the database (default true). Deployments that
     * migrate in a separate step (the Helm chart's pre-install/pre-upgrade Job runs
     * `scripts/migrate.ts`) set false: the server then only checks that none is pending and refuses
     * to start on a database behind its code.
     */
    MIGRATE_ON_START: booleanSwitchDefaultOn,
    APP_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, "must be at least 32 characters").optional()),
    ENCRYPTION_KEYS: z.preprocess(emptyToUndefined, ZEncryptionKeys.optional()),
    INIT_ADMIN_EMAIL: z.preprocess(emptyToUndefined, z.email("must be an email address").default("admin@example.com")),
    INIT_ADMIN_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(8, "must be at least 8 characters").optional()),
    INIT_ADMIN_API_KEY: z.preprocess(emptyToUndefined, ZBootstrapApiKey.optional()),
    DEFAULT_REGION: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[A-Za-z]{2}$/, "must be a two-letter ISO country code")
        .transform((v) => v.toUpperCase())
        .default("US"),
    ),
    EMAIL_FROM: z.preprocess(emptyToUndefined, z.string().default("OptIn Manager <noreply@localhost>")),
    POSTAL_ADDRESS: optionalString,
    RESEND_API_KEY: optionalString,
    RESEND_BASE_URL: optionalUrl,
    RESEND_WEBHOOK_SECRET: optionalString,
    TWILIO_ACCOUNT_SID: optionalString,
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM: optionalString,
    TWILIO_API_BASE_URL: optionalUrl,
    INNGEST_EVENT_KEY: optionalString,
    INNGEST_SIGNING_KEY: optionalString,
    INNGEST_DEV: optionalString,
    INNGEST_BASE_URL: optionalUrl,
    /** Proxies allowed to name the client in X-Forwarded-For; none by default (the socket address is the client). */
    TRUSTED_PROXIES: z.preprocess(emptyToUndefined, ZTrustedProxies.default([])),
    LOG_LEVEL: z.preprocess(
      emptyToUndefined,
      z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    ),
    /**
     * How long a message may stay `sending` before the sweep takes it for abandoned (its
     * dispatcher died mid-call) and replays the call with the same idempotency key. Default 300.
     */
    DELIVERY_STUCK_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(86_400).default(300)),
    /**
     * Worker threads that prepare a CSV import's rows (validation, phone parsing, hashing,
     * encryption); default one per core but one, and 0 (on the main thread) on two cores or fewer.
     */
    IMPORT_WORKERS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(64).optional()),
    /**
     * On PostgreSQL: inbound keywords, the webhook drain and in-process delivery run on a worker
     * thread with its own connections (default on; off = on the main thread, as always with the
     * embedded database).
     */
    BACKGROUND_THREAD: booleanSwitchDefaultOn,
    /** Tests only: turn the in-process job runner off even without an Inngest server. */
    JOBS_DISABLED: booleanFlag,
    /**
     * Benchmarks only (`npm run bench` sets it for `next build` and `next start`): the bench build,
     * in `.next-bench`, with the baselines' routes (`app/api/bench/<name>/route.bench.ts`).
     */
    BENCH_BUILD: booleanFlag,
  })
  .transform((env) => ({
    ...env,
    PUBLIC_URL: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
    TRACKING_BASE_URL: (env.TRACKING_BASE_URL ?? env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
    /** True when an Inngest server (cloud or dev) drives the functions; the in-process runner is off. */
    isInngestServerConfigured: Boolean(
      env.INNGEST_EVENT_KEY ||
      env.INNGEST_SIGNING_KEY ||
      env.INNGEST_BASE_URL ||
      (env.INNGEST_DEV && env.INNGEST_DEV !== "0"),
    ),
    isResendConfigured: Boolean(env.RESEND_API_KEY),
    isTwilioConfigured: Boolean(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM),
  }));

export type Env = z.infer<typeof ZEnv>;

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

/** One line per bad variable, e.g. `DATABASE_URL must be a postgres:// … URL`. */
export function formatEnvError(error: z.ZodError): string {
  const lines = error.issues.map((issue) => `${issue.path.join(".") || "env"} ${issue.message}`);
  return `Invalid environment: ${lines.join("; ")}`;
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = ZEnv.safeParse(source);
  if (!result.success) throw new EnvError(formatEnvError(result.error));
  return result.data;
}

// On globalThis because Next may load this module twice: resetEnv() must reach every copy's getEnv().
const globalForEnv = globalThis as unknown as { __optinEnv?: Env };

export function getEnv(): Env {
  globalForEnv.__optinEnv ??= parseEnv(process.env);
  return globalForEnv.__optinEnv;
}

/** Tests and scripts that change `process.env` call this so the next `getEnv()` re-reads it. */
export function resetEnv(): void {
  globalForEnv.__optinEnv = undefined;
}

/** Read-only view of the raw environment for child processes (e.g. `next start`). */
export function childProcessEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
