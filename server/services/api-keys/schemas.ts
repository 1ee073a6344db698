import { z } from "zod";
import { API_KEY_SCOPES } from "@/db/schema";

export const ZApiKeyScope = z.enum(API_KEY_SCOPES);

export const ZApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe("First characters of the secret, to tell keys apart"),
  scopes: z.array(ZApiKeyScope),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export type TApiKey = z.infer<typeof ZApiKey>;

export const ZCreateApiKeyInput = z.object({
  name: z.string().trim().min(1, "Name is required").max(100),
  scopes: z.array(ZApiKeyScope).min(1, "Choose at least one scope"),
});
export type TCreateApiKeyInput = z.infer<typeof ZCreateApiKeyInput>;

export const ZCreateApiKeyOutput = ZApiKey.extend({
  secret: z.string().describe("The key itself. Shown once; only its hash is stored."),
});

export const ZApiKeyIdInput = z.object({ id: z.uuid() });
