import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { contacts } from "@/db/schema";
import { ciphertextKeyId, decryptPii, encryptPii, keyRingFrom } from "@/server/lib/crypto";
import { reencryptContacts } from "@/server/services/contacts/reencrypt-contacts";
import { createTestDb } from "@/tests/helpers/db";
import { createWorkspace } from "@/tests/factories";

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle.close();
});

const oldKey = { id: "old", key: Buffer.alloc(32, 1) };
const newKey = { id: "new", key: Buffer.alloc(32, 2) };

describe("PII encryption at rest", () => {
  it("binds a ciphertext to its column and refuses a tampered one", () => {
    const ring = keyRingFrom([oldKey]);
    const c = encryptPii("ann@example.com", "contact.email", ring);
    expect(decryptPii(c, "contact.email", ring)).toBe("ann@example.com");
    expect(() => decryptPii(c, "contact.phone", ring)).toThrow();
    const tampered = c.slice(0, -2) + (c.endsWith("A") ? "BB" : "AA");
    expect(() => decryptPii(tampered, "contact.email", ring)).toThrow();
    expect(encryptPii("same", "contact.email", ring)).not.toBe(encryptPii("same", "contact.email", ring));
  });

  it("rotation: a new first key encrypts, old keys still decrypt, the re-encrypt job moves everything to the new key once", async () => {
    const ws = await createWorkspace(handle.db);
    const oldRing = keyRingFrom([oldKey]);
    await handle.db.insert(contacts).values(
      Array.from({ length: 7 }, (_, i) => ({
        workspaceId: ws.id,
        emailCiphertext: encryptPii(`p${i}@example.com`, "contact.email", oldRing),
        emailHash: `hash-${i}`,
        firstNameCiphertext: i % 2 ? encryptPii(`Name${i}`, "contact.first_name", oldRing) : null,
      })),
    );
    const rotated = keyRingFrom([newKey, oldKey]);
    const first = await reencryptContacts({
      ctx: { db: handle.db, now: () => new Date() },
      input: { ring: rotated, batchSize: 3 },
    });
    expect(first.rewritten).toBe(7);
    const rows = await handle.db.select().from(contacts);
    for (const row of rows) {
      expect(ciphertextKeyId(row.emailCiphertext!)).toBe("new");
      expect(decryptPii(row.emailCiphertext!, "contact.email", keyRingFrom([newKey]))).toMatch(/^p\d@example\.com$/);
      if (row.firstNameCiphertext) expect(ciphertextKeyId(row.firstNameCiphertext)).toBe("new");
    }
    expect(
      (await reencryptContacts({ ctx: { db: handle.db, now: () => new Date() }, input: { ring: rotated } })).rewritten,
    ).toBe(0);
  });
});
