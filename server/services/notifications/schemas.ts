import { z } from "zod";
import { NOTIFICATION_KINDS } from "@/server/shared/enums";

const TITLE_MAX = 200;
const BODY_MAX = 1000;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const ZNotificationKind = z.enum(NOTIFICATION_KINDS).describe("What the notification is about");

/** An app path such as `/campaigns/<id>`: never an absolute URL, so a link cannot leave the app. */
const ZAppPath = z
  .string()
  .max(500)
  .regex(/^\/(?!\/)[^\s\\]*$/, "Use a path inside the app, starting with one /")
  .describe("Path inside the app the notification opens");

/**
 * What a producer says happened. Title and body name campaigns, imports, endpoints and counts,
 * never a contact's address (they are shown to every member and may be emailed).
 */
export const ZNotifyInput = z.object({
  workspaceId: z.uuid(),
  kind: ZNotificationKind,
  /** Longer titles and bodies are cut (with "…"), never refused: a long campaign name must not stop a run. */
  title: z
    .string()
    .trim()
    .min(1)
    .transform((v) => cut(v, TITLE_MAX)),
  body: z
    .string()
    .trim()
    .default("")
    .transform((v) => cut(v, BODY_MAX)),
  link: ZAppPath.nullable().default(null),
  data: z.record(z.string(), z.unknown()).default({}),
  /**
   * The event's name (`campaign-run:<id>:completed`): unique per member, so notifying the same
   * event again (a retried job) adds nothing and sends no second email.
   */
  dedupeKey: z.string().trim().min(1).max(300),
  /** Only these members (user ids), e.g. whoever set up what happened; default every member. */
  userIds: z.array(z.uuid()).min(1).optional(),
});
export type TNotifyInput = z.input<typeof ZNotifyInput>;

export const ZNotification = z.object({
  id: z.uuid().describe("Notification id"),
  kind: ZNotificationKind,
  title: z.string().describe("One-line summary"),
  body: z.string().describe("Details (names and counts, no personal data)"),
  link: z.string().nullable().describe("Path inside the app to open, or null"),
  data: z.record(z.string(), z.unknown()).describe("Ids and counts of what it is about"),
  createdAt: z.date().describe("When it was created"),
  readAt: z.date().nullable().describe("When the member read it, or null while unread"),
});
export type TNotification = z.infer<typeof ZNotification>;

export const ZListNotificationsInput = z.object({
  limit: z.number().int().min(1).max(100).default(20).describe("Notifications per page (1–100)"),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().max(200).nullish().describe("Cursor from the previous page's nextCursor"),
  unreadOnly: z.boolean().default(false).describe("Only unread notifications"),
  kind: ZNotificationKind.optional(),
});
export type TListNotificationsInput = z.input<typeof ZListNotificationsInput>;

export const ZNotificationPage = z.object({
  items: z.array(ZNotification).describe("Newest first"),
  nextCursor: z.string().nullable().describe("Cursor of the next page, or null on the last page"),
});
export type TNotificationPage = z.infer<typeof ZNotificationPage>;

export const ZMarkNotificationsReadInput = z.object({
  ids: z.array(z.uuid()).min(1).max(100).describe("Notifications to mark read (your own; others are ignored)"),
});
export type TMarkNotificationsReadInput = z.input<typeof ZMarkNotificationsReadInput>;

export const ZNotificationPreference = z.object({
  kind: ZNotificationKind,
  inApp: z.boolean().describe("Show it in the app"),
  email: z.boolean().describe("Email it to you"),
});
export type TNotificationPreference = z.infer<typeof ZNotificationPreference>;

export const ZUpdateNotificationPreferencesInput = z.object({
  preferences: z
    .array(ZNotificationPreference)
    .min(1)
    .max(NOTIFICATION_KINDS.length)
    .refine((list) => new Set(list.map((p) => p.kind)).size === list.length, "Each kind may appear once")
    .describe("One entry per kind to change; kinds left out keep their setting"),
});
export type TUpdateNotificationPreferencesInput = z.input<typeof ZUpdateNotificationPreferencesInput>;
