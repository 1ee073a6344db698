"use server";

import { headers } from "next/headers";
import { ZodError } from "zod";
import type { Channel } from "@/db/schema";
import { AppError } from "@/server/lib/errors";
import { openLinkContext, requestEvidence } from "@/server/lib/link-request";
import { logger } from "@/server/lib/logger";
import {
  savePreferences,
  type PreferenceChange,
  type PreferenceConfirmation,
  type Preferences,
} from "@/server/services/preferences";

export interface PreferencesFormState {
  preferences?: Preferences;
  changes?: PreferenceChange[];
  /** Confirmation requests sent for double opt-in topics switched on. */
  confirmations?: PreferenceConfirmation[];
  /** Which form answered: the switches or "unsubscribe from everything". */
  intent?: "save" | "unsubscribe-all";
  error?: string;
}

/** Reads `choice` fields of the form `topicId:channel:1|0`; anything else is dropped. */
function readChoices(formData: FormData): { topicId: string; channel: Channel; subscribed: boolean }[] {
  return formData.getAll("choice").flatMap((value) => {
    const [topicId, channel, on] = String(value).split(":");
    if (!topicId || (channel !== "email" && channel !== "sms") || (on !== "1" && on !== "0")) return [];
    return [{ topicId, channel, subscribed: on === "1" }];
  });
}

/** One action for both forms of the preference center; the token travels in a hidden field. */
export async function savePreferencesAction(
  _prev: PreferencesFormState,
  formData: FormData,
): Promise<PreferencesFormState> {
  const intent = formData.get("intent") === "unsubscribe-all" ? "unsubscribe-all" : "save";
  const reason = formData.get("reason");
  const requestHeaders = await headers();
  try {
    const result = await savePreferences({
      ctx: await openLinkContext(requestHeaders),
      input: {
        token: String(formData.get("token") ?? ""),
        choices: intent === "save" ? readChoices(formData) : [],
        unsubscribeAll: intent === "unsubscribe-all",
        reason: typeof reason === "string" ? reason : undefined,
        evidence: requestEvidence(requestHeaders),
      },
    });
    return { ...result, intent };
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND")
      return { intent, error: "This link is no longer valid. Use the link in a recent message." };
    if (error instanceof AppError && (error.code === "INVALID" || error.code === "RATE_LIMITED"))
      return { intent, error: error.message };
    if (error instanceof ZodError) {
      const issue = error.issues[0];
      if (issue?.path[0] === "reason")
        return {
          intent,
          error:
            "The reason contains a character that cannot be stored (a control character). Remove it and try again.",
        };
      return { intent, error: "Something in the form could not be read. Reload the page and try again." };
    }
    logger.error({ err: error }, "saving preferences failed");
    return { intent, error: "Something went wrong and nothing was saved. Please try again." };
  }
}
