import { describe, expect, it } from "vitest";
import { SUPPRESSION_ADDRESS_PURPOSE } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { encryptPii } from "@/server/lib/crypto";
import { maskedAddress, resolveSuppressionAddress } from "@/server/services/suppressions/rows";

/** Email addresses resolve without the database (only phones read the workspace's region). */
const noDb = {} as Queryable;
const WS = "00000000-0000-4000-8000-000000000001";

describe("resolveSuppressionAddress", () => {
  it("gives one blind index for the same email written two ways, and another for another address", async () => {
    const a = await resolveSuppressionAddress(noDb, WS, " Ann@Example.COM ");
    const b = await resolveSuppressionAddress(noDb, WS, "ann@example.com", "email");
    const c = await resolveSuppressionAddress(noDb, WS, "ann2@example.com");
    expect(a).toMatchObject({ channel: "email", address: "Ann@example.com" });
    expect(a.hash).toBe(b.hash);
    expect(c.hash).not.toBe(a.hash);
    const other = await resolveSuppressionAddress(noDb, "00000000-0000-4000-8000-000000000002", "ann@example.com");
    expect(other.hash).not.toBe(a.hash);
  });

  it("refuses a bad email and an email given for SMS, naming `address`", async () => {
    await expect(resolveSuppressionAddress(noDb, WS, "ann@")).rejects.toMatchObject({ field: "address" });
    await expect(resolveSuppressionAddress(noDb, WS, "ann@example.com", "sms")).rejects.toMatchObject({
      field: "address",
    });
  });
});

describe("maskedAddress", () => {
  it("masks emails and phones, and is null when no address is stored", () => {
    expect(maskedAddress("email", encryptPii("ann@example.com", SUPPRESSION_ADDRESS_PURPOSE))).toBe("a•••@example.com");
    expect(maskedAddress("sms", encryptPii("+14155552671", SUPPRESSION_ADDRESS_PURPOSE))).toBe("+1 ••• ••• 2671");
    expect(maskedAddress("email", null)).toBeNull();
  });
});
