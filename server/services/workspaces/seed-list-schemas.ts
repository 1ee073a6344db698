import { z } from "zod";
import { MAX_SEED_ADDRESSES } from "@/server/shared/seed-list";

export const ZUpdateSeedListInput = z.object({
  addresses: z
    .array(z.string().trim().min(1, "Enter an email address or a phone number").max(320))
    .max(MAX_SEED_ADDRESSES, `At most ${MAX_SEED_ADDRESSES} seed addresses`)
    .describe("Email addresses and phone numbers that get a copy of every campaign run (replaces the list)"),
});
export type TUpdateSeedListInput = z.input<typeof ZUpdateSeedListInput>;

export const ZSeedList = z.object({
  addresses: z
    .array(
      z.object({
        address: z.string().describe("The email address or E.164 phone number (masked for viewers)"),
        channel: z.enum(["email", "sms"]).describe("email: email campaigns; sms: SMS campaigns"),
      }),
    )
    .describe("The seed addresses, in the order saved"),
  masked: z.boolean().describe("True when the addresses are masked for this caller"),
});
export type TSeedList = z.infer<typeof ZSeedList>;
