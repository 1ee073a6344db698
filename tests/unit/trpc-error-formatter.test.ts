import { TRPCError } from "@trpc/server";
import { getErrorShape } from "@trpc/server/unstable-core-do-not-import";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createCallerFactory, createTRPCRouter, publicProcedure, type TrpcContext } from "@/server/api/trpc";
import { invalid } from "@/server/lib/errors";

const router = createTRPCRouter({
  create: publicProcedure
    .input(
      z.object({
        name: z.string().trim().min(1).max(100),
        email: z.email(),
        channels: z.array(z.enum(["email", "sms"])).min(1),
      }),
    )
    .mutation(() => "created"),
  refuse: publicProcedure.mutation(() => {
    throw invalid('Unknown topic "news"', "topicKeys");
  }),
  parseInside: publicProcedure.mutation(() => z.object({ max: z.number().min(1) }).parse({ max: 0 })),
});

const ctx = { auth: { kind: "anonymous" }, headers: new Headers(), requestId: "t" } as unknown as TrpcContext;
const caller = createCallerFactory(router)(ctx);

/** The error shape the tRPC route sends for a failed call (the router's own error formatter). */
async function shapeOf(call: () => Promise<unknown>, path: string) {
  const error = await call().then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return getErrorShape({
    config: router._def._config,
    error: error as TRPCError,
    type: "mutation",
    path,
    input: undefined,
    ctx,
  }) as { message: string; data: { fieldErrors?: Record<string, string>; field?: string; issues?: unknown[] } };
}

describe("the tRPC error formatter", () => {
  it("answers invalid input with fieldErrors and the issues as sentences, never JSON", async () => {
    const shape = await shapeOf(() => caller.create({ name: "  ", email: "ann", channels: [] } as never), "create");
    expect(shape.data.fieldErrors).toEqual({
      name: "Name is required",
      email: "Enter an email address like name@example.com",
      channels: "Choose at least one",
    });
    expect(shape.message).toBe(
      "Name is required. Enter an email address like name@example.com. Channels: choose at least one.",
    );
    expect(shape.message).not.toMatch(/[[\]{}"]/);
    expect(shape.data.field).toBe("name");
    expect(shape.data.issues).toHaveLength(3);
  });

  it("gives a domain error's field its message", async () => {
    const shape = await shapeOf(() => caller.refuse(), "refuse");
    expect(shape.message).toBe('Unknown topic "news"');
    expect(shape.data.fieldErrors).toEqual({ topicKeys: 'Unknown topic "news"' });
  });

  it("formats a schema parsed inside a service the same way", async () => {
    const shape = await shapeOf(() => caller.parseInside(), "parseInside");
    expect(shape.data.fieldErrors).toEqual({ max: "Use 1 or more" });
    expect(shape.message).toBe("Max: use 1 or more.");
  });
});
