import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "@/db/schema";
import { createCampaign, testSendCampaign } from "@/server/services/campaigns";
import { createMember, memberContext } from "@/tests/factories";
import { startSendHarness, uniqueEmail, type SendHarness } from "./send-harness";

/**
 * A campaign's test send: a member's address gets the message without a consent decision; any
 * other address goes through the normal pipeline (and may be blocked); every message carries the
 * campaign id and the test flag.
 */

let h: SendHarness;

beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h.close();
});

describe("campaign test send", () => {
  it("members get it without consent; others follow the policy; each answer says what happened", async () => {
    const admin = await createMember(h.handle.db, h.workspaceId, "admin", { email: "Boss@Example.com" });
    const ctx = memberContext(h.handle.db, h.workspaceId, admin.user.id, "admin");
    const optedIn = uniqueEmail();
    const contactId = await h.contact({ email: optedIn });
    await h.optIn(contactId, "email", "news");
    const stranger = uniqueEmail();
    const withoutConsent = uniqueEmail();
    await h.contact({ email: withoutConsent });

    const campaign = await createCampaign({
      ctx,
      input: {
        name: "Test me",
        channel: "email",
        topic: "news",
        content: { subject: "Hello", text: "Hi {{ contact.first_name }}" },
      },
    });
    const { results } = await testSendCampaign({
      ctx,
      input: { id: campaign.id, to: ["boss@example.com", optedIn, withoutConsent, stranger, "not-an-address"] },
    });
    expect(results.map((r) => [r.member, r.status, r.reason])).toEqual([
      [true, "queued", null],
      [false, "queued", null],
      [false, "blocked", "no_consent"],
      [false, "blocked", "no_consent"],
      [false, "invalid", "Not a valid email address"],
    ]);
    for (const result of results.slice(0, 4)) {
      const message = await h.message(result.messageId!);
      expect(message.campaignId).toBe(campaign.id);
      expect(message.options).toMatchObject({ test: true });
    }
    const [audit] = await h.handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, campaign.id), eq(auditLog.action, "campaign.test_sent")));
    expect(audit!.after).toMatchObject({ addresses: 5, members: 1, queued: 2, blocked: 2 });
    expect(JSON.stringify(audit!.after)).not.toContain("example.com");
    const memberMessage = await h.message(results[0]!.messageId!);
    expect(memberMessage.userId).toBe(admin.user.id);
    await h.settle();
    expect((await h.message(results[0]!.messageId!)).status).not.toBe("queued");
  });

  it("refuses more than 10 addresses, and another channel's addresses are invalid", async () => {
    const admin = await createMember(h.handle.db, h.workspaceId, "admin");
    const ctx = memberContext(h.handle.db, h.workspaceId, admin.user.id, "admin");
    const campaign = await createCampaign({
      ctx,
      input: { name: "Too many", channel: "email", topic: "news", content: { subject: "s", text: "t" } },
    });
    await expect(
      testSendCampaign({ ctx, input: { id: campaign.id, to: Array.from({ length: 11 }, () => uniqueEmail()) } }),
    ).rejects.toThrow();
    const { results } = await testSendCampaign({ ctx, input: { id: campaign.id, to: ["+14155550100"] } });
    expect(results[0]).toMatchObject({ status: "invalid", messageId: null });
  });
});
