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

export class AppError extends Error {
  readonly code: AppErrorCode;
  /** Field that caused an INVALID error, for a 400 body that names it. */
  readonly field?: string;

  constructor(code: AppErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = "AppError";
    this.code = code;
    this.field = options?.field;
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
export const forbidden = (message = "You do not have permission to do this") => new AppError("FORBIDDEN", message);
export const invalid = (message: string, field?: string) => new AppError("INVALID", message, { field });
export const conflict = (message: string) => new AppError("CONFLICT", message);
