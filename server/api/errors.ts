import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/unstable-core-do-not-import";
import { ZodError } from "zod";
import { AppError, type AppErrorCode } from "@/server/lib/errors";

/** The one mapping from domain errors to tRPC (and through it, HTTP) errors. */
const CODE_MAP: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  FORBIDDEN: "FORBIDDEN",
  UNAUTHORIZED: "UNAUTHORIZED",
  INVALID: "BAD_REQUEST",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof AppError)
    return new TRPCError({ code: CODE_MAP[error.code], message: error.message, cause: error });
  if (error instanceof ZodError)
    return new TRPCError({ code: "BAD_REQUEST", message: "Input validation failed", cause: error });
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error", cause: error as Error });
}

export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/** Validation issues without the offending values (they may be PII). */
export function zodIssues(error: unknown): FieldIssue[] | undefined {
  const cause =
    error instanceof ZodError
      ? error
      : error instanceof Error && error.cause instanceof ZodError
        ? error.cause
        : undefined;
  return cause?.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    message: issue.message,
  }));
}
