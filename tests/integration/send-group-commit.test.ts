import { and, count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messages } from "@/db/schema";
import { systemClock } from "@/server/lib/clock";
import { AppError } from "@/server/lib/errors";
import { sendWithConsent } from "@/server/services/messages";
import { createWorkspace } from "@/tests/factories";
import { NO_QUIET_HOURS, startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * Concurrent `send_with_consent` calls of one workspace are recorded together (group commit,
 * `recordSendGrouped`): each call still gets exactly the answer it would get alone: queued,
 * blocked with its reason, its own refusal, the first answer for a repeated idempotency key, and
 * caps counted across the sends of the group in arrival order.
 */
let h: SendHarness;
beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

const email = (contactId: string, key: string, topic = "news") => ({
  contactId,
  channel: "email" as const,
  topic,
  content: { subject: "Hello", text: "News for you" },
  idempotencyKey: key,
});

describe("group commit of send_with_consent", () => {
  it("40 concurrent sends: each answered as alone, repeats answer the first message, refusals stay their own", async () => {
    const people: { id: string; consented: boolean }[] = [];
    for (let i = 0; i < 20; i++) {
      const id = await h.contact({ email: uniqueEmail() });
      const consented = i % 4 !== 0;
      if (consented) await h.optIn(id, "email", "news");
      else await h.optOut(id, "email", "news");
      people.push({ id, consented });
    }
    const run = `g${Date.now().toString(36)}`;
    // Each person twice under the same key (a client retry racing its original), and one call
    // naming a topic that does not exist.
    const calls = [
      ...people.map((p, i) => email(p.id, `${run}-${i}`)),
      ...people.map((p, i) => email(p.id, `${run}-${i}`)),
      email(people[1]!.id, `${run}-bad`, "no-such-topic"),
    ];
    const answers = await Promise.allSettled(calls.map((input) => sendWithConsent({ ctx: h.ctx(), input })));

    const refused = answers[calls.length - 1]!;
    expect(refused.status).toBe("rejected");
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(AppError);
    expect(((refused as PromiseRejectedResult).reason as AppError).code).toBe("INVALID");

    people.forEach((person, i) => {
      const first = answers[i]!;
      const repeat = answers[people.length + i]!;
      expect(first.status).toBe("fulfilled");
      expect(repeat.status).toBe("fulfilled");
      const a = (first as PromiseFulfilledResult<{ messageId: string; status: string; reason?: string }>).value;
      const b = (repeat as PromiseFulfilledResult<{ messageId: string; status: string; reason?: string }>).value;
      expect(b.messageId).toBe(a.messageId);
      expect(a.status).toBe(person.consented ? "queued" : "blocked");
      if (!person.consented) expect(a.reason).toBe("opted_out");
    });

    const [stored] = await h.handle.db
      .select({ n: count() })
      .from(messages)
      .where(
        inArray(
          messages.contactId,
          people.map((p) => p.id),
        ),
      );
    expect(stored!.n).toBe(people.length);
    await h.settle();
    const delivered = await h.handle.db
      .select({ n: count() })
      .from(messages)
      .where(
        and(
          inArray(
            messages.contactId,
            people.map((p) => p.id),
          ),
          eq(messages.status, "sent"),
        ),
      );
    expect(delivered[0]!.n).toBe(people.filter((p) => p.consented).length);
  });

  it("a cap of one message a day holds across concurrent sends to one contact: exactly one goes", async () => {
    const ws = await createWorkspace(h.handle.db, {
      settings: {
        messaging: {
          ...NO_QUIET_HOURS.messaging,
          frequencyCaps: [{ channel: "any", topicKey: null, max: 1, days: 1 }],
        },
      },
    });
    await h.topic("news", ["email"], "marketing", ws.id);
    const contactId = await h.contact({ email: uniqueEmail() }, ws.id);
    await h.optIn(contactId, "email", "news", ws.id);
    const ctx = { ...h.ctx(systemClock), workspaceId: ws.id };
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => sendWithConsent({ ctx, input: email(contactId, `cap-${i}-${Date.now()}`) })),
    );
    expect(answers.filter((a) => a.status === "queued")).toHaveLength(1);
    expect(answers.filter((a) => a.status === "blocked").map((a) => a.reason)).toEqual(
      Array.from({ length: 7 }, () => "frequency_cap"),
    );
  });
});
