/**
 * Typed domain errors. Services throw `AppError(code)`; one adapter (server/api/errors.ts)
 * maps them to tRPC/HTTP. Any other error's message never reaches a client.
 */
export const APP_ERROR_CODES = [
  "NOT_FOUND",
  "CONFLICT",
  "FORBIDDEN",
  "UNAUTHORIZED",
  "INVALID",
  "RATE_LIMITED",
  "UNAVAILABLE",
] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

/** Marks every AppError, whichever copy of this module made it (see `AppError[Symbol.hasInstance]`). */
const APP_ERROR = Symbol.for("optin.AppError");

export class AppError extends Error {
  readonly code: AppErrorCode;
  /** Field that caused an INVALID error, for a 400 body that names it. */
  readonly field?: string;

  constructor(code: AppErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = "AppError";
    this.code = code;
    this.field = options?.field;
    Object.defineProperty(this, APP_ERROR, { value: true });
  }

  /**
   * `instanceof AppError` holds for an AppError made by another copy of this module: Next bundles
   * a route and the server's start-up (which owns the background thread and rebuilds the errors
   * it reports) separately, each with its own class. Subclasses keep the ordinary check.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== AppError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[APP_ERROR] === true;
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
export const forbidden = (message = "You do not have permission to do this") => new AppError("FORBIDDEN", message);
export const invalid = (message: string, field?: string) => new AppError("INVALID", message, { field });
export const conflict = (message: string) => new AppError("CONFLICT", message);
