import { describe, expect, it } from "vitest";
import type * as errors from "@/server/lib/errors";
import { AppError } from "@/server/lib/errors";
import { fromWorkerError, toWorkerError } from "@/server/lib/worker-errors";
import { FormTokenError } from "@/server/services/forms/submit-form";

describe("AppError across copies of its module", () => {
  it("an error made by another copy of the class is still an AppError, with its code", async () => {
    const url = new URL("../../server/lib/errors.ts", import.meta.url);
    const other = (await import(`${url.href}?copy=1`)) as typeof errors;
    expect(other.AppError).not.toBe(AppError);
    const error = new other.AppError("INVALID", "bad input");
    expect(error instanceof AppError).toBe(true);
    expect((error as AppError).code).toBe("INVALID");
    expect(new AppError("NOT_FOUND", "x") instanceof other.AppError).toBe(true);
  });

  it("other errors are not AppErrors, and subclasses keep the ordinary check", () => {
    expect(new Error("x") instanceof AppError).toBe(false);
    expect(Object.assign(new Error("x"), { name: "AppError", code: "INVALID" }) instanceof AppError).toBe(false);
    expect((null as unknown) instanceof AppError).toBe(false);
    expect(new AppError("INVALID", "x") instanceof FormTokenError).toBe(false);
  });

  it("an AppError crossing a worker boundary comes back as one", () => {
    const back = fromWorkerError(structuredClone(toWorkerError(new AppError("UNAVAILABLE", "not ready"))));
    expect(back instanceof AppError).toBe(true);
    expect((back as AppError).code).toBe("UNAVAILABLE");
  });
});
