import { AppError, type AppErrorCode } from "./errors";

/** An error as it crosses a worker-thread boundary (structured-clonable; no stack, no cause). */
export interface WorkerError {
  name: string;
  code?: string;
  message: string;
}

/** What a worker thread posts back for a failed request: name, code and message only. */
export function toWorkerError(error: unknown): WorkerError {
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  return {
    name: typeof e.name === "string" ? e.name : "Error",
    code: typeof e.code === "string" ? e.code : undefined,
    message: typeof e.message === "string" ? e.message : "worker error",
  };
}

/** The error as the main thread would have thrown it: an AppError keeps its class and code. */
export function fromWorkerError(error: WorkerError): Error {
  if (error.name === "AppError" && error.code) return new AppError(error.code as AppErrorCode, error.message);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.code) Object.assign(rebuilt, { code: error.code });
  return rebuilt;
}
