import { z } from "zod";
import type { Channel } from "./enums";
import { isValidTimeZone, parseClock } from "./local-time";

/**
 * The per-workspace messaging policy as stored in `workspaces.settings.messaging`, and the one
 * schema the settings form, the tRPC procedure and the service share (the settings page and
 * `decide()` use it too).
 */

/** A frequency cap: at most `max` marketing messages in `days` days (per channel, optionally per topic). */
export interface FrequencyCap {
  channel: Channel | "any";
  /** Null: every marketing topic together. */
  topicKey: string | null;
  max: number;
  days: number;
}

/**
 * A sending limit of one sender: at most `max` messages handed to the provider in each fixed
 * window of `seconds` (windows start on multiples of their length since the Unix epoch, so every
 * process counts the same window).
 */
export interface SendingWindow {
  seconds: number;
  max: number;
}

/**
 * Limits per sender (a provider and a from address or number), per channel. Several windows
 * apply together (e.g. 10 per second and 10,000 per day); none means unlimited.
 */
export interface SendingLimits {
  email: SendingWindow[];
  sms: SendingWindow[];
}

/** Per-workspace messaging policy, stored in `workspaces.settings.messaging`; defaults in docs/contract.md ("Messaging defaults"). */
export interface MessagingSettings {
  quietHours: {
    enabled: boolean;
    /** Local "HH:MM" start of the allowed window (inclusive). Default "08:00". */
    start: string;
    /** Local "HH:MM" end of the allowed window (exclusive). Default "21:00". */
    end: string;
    /** Apply stricter state rules (e.g. Florida 8:00–20:00 and 3 per 24 h per topic). Default true. */
    stateRules: boolean;
  };
  frequencyCaps: FrequencyCap[];
  /** How fast the workspace's senders may send (every delivery path shares them). Default: unlimited. */
  sendingLimits: SendingLimits;
  /** IANA zone used when neither the contact nor the phone number tells the recipient's zone. */
  timezone: string;
}

export const DEFAULT_WORKSPACE_TIMEZONE = "America/New_York";
export const MAX_FREQUENCY_CAPS = 20;
export const MAX_CAP_DAYS = 90;
/** Windows per channel. */
export const MAX_SENDING_WINDOWS = 5;
export const MAX_WINDOW_SECONDS = 86_400;
export const MAX_SENDING_LIMIT = 1_000_000;

/** The periods the settings form offers, in seconds (the schema accepts any length from 1 s to a day). */
export const SENDING_PERIODS = [
  { unit: "second", seconds: 1 },
  { unit: "minute", seconds: 60 },
  { unit: "hour", seconds: 3_600 },
  { unit: "day", seconds: 86_400 },
] as const;

const ZClock = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use a 24-hour time such as 08:00");

const ZTimezone = z
  .string()
  .trim()
  .min(1, "Choose a time zone")
  .refine((value) => isValidTimeZone(value), "Unknown time zone");

export const ZQuietHours = z
  .object({
    enabled: z.boolean().default(true),
    start: ZClock.default("08:00"),
    end: ZClock.default("21:00"),
    stateRules: z.boolean().default(true),
  })
  .superRefine((value, context) => {
    if (parseClock(value.start) >= parseClock(value.end)) {
      context.addIssue({ code: "custom", path: ["end"], message: "The window must end after it starts" });
    }
  });

export const ZFrequencyCap = z.object({
  channel: z.enum(["email", "sms", "any"]),
  /** A topic key, or null for every marketing topic together. */
  topicKey: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "Choose a topic")
    .nullable()
    .default(null),
  max: z.number({ error: "Enter a number" }).int("Use a whole number").min(1, "At least 1").max(1000, "At most 1000"),
  days: z
    .number({ error: "Enter a number" })
    .int("Use a whole number")
    .min(1, "At least 1 day")
    .max(MAX_CAP_DAYS, `At most ${MAX_CAP_DAYS} days`),
}) satisfies z.ZodType<FrequencyCap, unknown>;

export const ZSendingWindow = z.object({
  seconds: z
    .number({ error: "Choose a period" })
    .int("Use a whole number of seconds")
    .min(1, "At least 1 second")
    .max(MAX_WINDOW_SECONDS, "At most one day"),
  max: z
    .number({ error: "Enter a number" })
    .int("Use a whole number")
    .min(1, "At least 1")
    .max(MAX_SENDING_LIMIT, "At most 1,000,000"),
}) satisfies z.ZodType<SendingWindow, unknown>;

const ZChannelWindows = z
  .array(ZSendingWindow)
  .max(MAX_SENDING_WINDOWS, `At most ${MAX_SENDING_WINDOWS} limits per channel`)
  .default([])
  .superRefine((windows, context) => {
    const seen = new Set<number>();
    windows.forEach((window, index) => {
      if (seen.has(window.seconds)) {
        context.addIssue({
          code: "custom",
          path: [index, "seconds"],
          message: "Another limit of this channel already counts this period",
        });
      }
      seen.add(window.seconds);
    });
  });

export const ZSendingLimits = z.object({
  email: ZChannelWindows,
  sms: ZChannelWindows,
}) satisfies z.ZodType<SendingLimits, unknown>;

export const ZMessagingSettings = z.object({
  quietHours: ZQuietHours.default({ enabled: true, start: "08:00", end: "21:00", stateRules: true }),
  frequencyCaps: z
    .array(ZFrequencyCap)
    .max(MAX_FREQUENCY_CAPS, `At most ${MAX_FREQUENCY_CAPS} caps`)
    .default([])
    .superRefine((caps, context) => {
      const seen = new Set<string>();
      caps.forEach((cap, index) => {
        const key = `${cap.channel}|${cap.topicKey ?? ""}|${cap.days}`;
        if (seen.has(key)) {
          context.addIssue({
            code: "custom",
            path: [index, "max"],
            message: "Another cap already counts this channel, topic and period",
          });
        }
        seen.add(key);
      });
    }),
  sendingLimits: ZSendingLimits.default({ email: [], sms: [] }),
  timezone: ZTimezone.default(DEFAULT_WORKSPACE_TIMEZONE),
}) satisfies z.ZodType<MessagingSettings, unknown>;
export type TMessagingSettings = z.infer<typeof ZMessagingSettings>;

/** A new workspace's policy (docs/contract.md, "Messaging defaults"): quiet hours for marketing SMS on, no caps, no sending limits. */
export function defaultMessagingSettings(timezone = DEFAULT_WORKSPACE_TIMEZONE): MessagingSettings {
  return {
    quietHours: { enabled: true, start: "08:00", end: "21:00", stateRules: true },
    frequencyCaps: [],
    sendingLimits: { email: [], sms: [] },
    timezone: isValidTimeZone(timezone) ? timezone : DEFAULT_WORKSPACE_TIMEZONE,
  };
}

/**
 * The effective messaging policy of a workspace from its `settings` JSON. Never throws: a
 * missing section takes its default, and a section that no longer validates (edited by hand,
 * written by an older version) falls back to its default alone, so one bad cap cannot switch
 * quiet hours off (and a bad sending limit means no limit, never a stop). The zone falls back to `settings.messaging.timezone`, then `settings.timezone`,
 * then `fallbackTimezone`, then America/New_York.
 */
export function readMessagingSettings(workspaceSettings: unknown, fallbackTimezone?: string | null): MessagingSettings {
  const root = isRecord(workspaceSettings) ? workspaceSettings : {};
  const stored = isRecord(root.messaging) ? root.messaging : {};
  const topLevelZone = typeof root.timezone === "string" && isValidTimeZone(root.timezone) ? root.timezone : null;
  const defaults = defaultMessagingSettings(topLevelZone ?? fallbackTimezone ?? DEFAULT_WORKSPACE_TIMEZONE);

  const quietHours = ZQuietHours.safeParse(stored.quietHours ?? {});
  const frequencyCaps = ZMessagingSettings.shape.frequencyCaps.safeParse(stored.frequencyCaps ?? []);
  const sendingLimits = ZSendingLimits.safeParse(stored.sendingLimits ?? {});
  const timezone = ZTimezone.safeParse(stored.timezone ?? defaults.timezone);
  return {
    quietHours: quietHours.success ? quietHours.data : defaults.quietHours,
    frequencyCaps: frequencyCaps.success ? frequencyCaps.data : [],
    sendingLimits: sendingLimits.success ? sendingLimits.data : defaults.sendingLimits,
    timezone: timezone.success ? timezone.data : defaults.timezone,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
