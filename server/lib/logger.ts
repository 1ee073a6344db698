import pino from "pino";

/**
 * JSON logs with PII redacted from the start. Log ids or masked values, never addresses,
 * bodies, tokens or keys; the redaction list is the safety net, not the plan.
 */
export const REDACTED_PATHS = [
  "email",
  "phone",
  "to",
  "from",
  "body",
  "text",
  "html",
  "subject",
  "password",
  "token",
  "secret",
  "apiKey",
  "authorization",
  "cookie",
  "firstName",
  "lastName",
  "*.email",
  "*.phone",
  "*.to",
  "*.from",
  "*.body",
  "*.text",
  "*.html",
  "*.password",
  "*.token",
  "*.secret",
  "*.apiKey",
  "*.authorization",
  "*.cookie",
  "headers.authorization",
  "headers.cookie",
  "req.headers.authorization",
  "req.headers.cookie",
];

function level(): string {
  // The logger is imported by env.ts's neighbours; reading LOG_LEVEL here avoids a cycle.
  // eslint-disable-next-line no-restricted-properties
  const configured = process.env.LOG_LEVEL;
  // eslint-disable-next-line no-restricted-properties
  if (!configured && process.env.NODE_ENV === "test") return "silent";
  return configured || "info";
}

/**
 * Error serializer that never carries SQL parameters: drizzle's "Failed query" errors embed the
 * query's params (which may be addresses or bodies) in `message` and `params`.
 */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const strip = (message: string) => message.split("\nparams:")[0]!;
  const cause = error.cause instanceof Error ? serializeError(error.cause) : undefined;
  const pgCode = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: strip(error.message),
    ...(typeof pgCode === "string" ? { code: pgCode } : {}),
    stack: error.stack ? strip(error.stack) : undefined,
    ...(cause ? { cause } : {}),
  };
}

export function createLogger(destination?: pino.DestinationStream) {
  return pino(
    {
      level: level(),
      serializers: { err: serializeError, error: serializeError },
      base: { service: "optin-manager" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

// On globalThis because Next may load this module twice: one logger (one destination stream) per process.
const globalForLogger = globalThis as unknown as { __optinLogger?: pino.Logger };
export const logger: pino.Logger = (globalForLogger.__optinLogger ??= createLogger());
export type Logger = pino.Logger;

/** `alice@example.com` → `a•••@example.com`; for logs and masked UI. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return "•••";
  return `${email[0]}•••${email.slice(at)}`;
}
