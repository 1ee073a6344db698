import { z } from "zod";
import { API_KEY_SCOPES } from "@/db/schema";

export const ZApiKeyScope = z
  .enum(API_KEY_SCOPES)
  .describe(
    "A permission of the key: contacts:read (read contacts, consent, topics and message history), contacts:write (upsert contacts, CSV imports), contacts:erase (erase a contact for good), consent:write (record opt-ins and opt-outs), messages:send (send, retry and follow messages), campaigns:read (list, count and preview segments; contacts masked without contacts:read), campaigns:write (create and edit segments and templates), admin (everything, including API keys and topics)",
  );

export const ZApiKey = z.object({
  id: z.uuid().describe("API key id"),
  name: z.string().describe("Name given to the key when it was created, to tell what uses it"),
  prefix: z.string().describe("First characters of the secret, to tell keys apart"),
  scopes: z.array(ZApiKeyScope).describe("What the key may do; admin covers every other scope"),
  createdAt: z.date().describe("When the key was created (ISO 8601 UTC)"),
  lastUsedAt: z
    .date()
    .nullable()
    .describe(
      "When the key last authenticated a request (ISO 8601 UTC, updated at most once a minute); null if never used",
    ),
  revokedAt: z
    .date()
    .nullable()
    .describe("When the key was revoked (ISO 8601 UTC) and stopped working; null while it is active"),
});
export type TApiKey = z.infer<typeof ZApiKey>;

export const ZCreateApiKeyInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name is required")
    .max(100)
    .describe("A name for the key, 1–100 characters, e.g. the system that will use it"),
  scopes: z
    .array(ZApiKeyScope)
    .min(1, "Choose at least one scope")
    .describe("What the key may do, at least one scope; duplicates are ignored"),
});
export type TCreateApiKeyInput = z.infer<typeof ZCreateApiKeyInput>;

export const ZCreateApiKeyOutput = ZApiKey.extend({
  secret: z.string().describe("The key itself. Shown once; only its hash is stored."),
});

export const ZApiKeyIdInput = z.object({ id: z.uuid().describe("API key id") });
