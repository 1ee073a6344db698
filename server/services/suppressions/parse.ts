import type { z } from "zod";
import { invalid } from "@/server/lib/errors";

/** Parses a verb's input; the first problem is INVALID (400) naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const checked = schema.safeParse(input ?? {});
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw invalid(issue.message, issue.path.map(String).join(".") || undefined);
  }
  return checked.data;
}
