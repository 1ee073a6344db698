import {
  browseMessages,
  getMessage,
  getMessageDetail,
  listDeadLetters,
  listMessages,
  listOutbox,
  ZDeadLetterPage,
  ZGetMessageInput,
  ZListDeadLettersInput,
  ZListMessagesInput,
  ZMessage,
  ZMessageBrowsePage,
  ZMessageDetail,
  ZMessagePage,
  ZOutboxInput,
  ZOutboxPage,
} from "@/server/services/messages";
import { createTRPCRouter, memberProcedure, workspaceProcedure } from "../trpc";

const TAGS = ["Messages"];
/**
 * Message history is contact data: the contacts read scope covers it; a key that may send can also
 * read the status of messages (it needs to follow what it sent).
 */
const read = workspaceProcedure({ scope: ["contacts:read", "messages:send"], role: "viewer" });
/** Admin UI only (session members; API keys use the REST procedures above). */
const memberRead = memberProcedure("viewer");

/**
 * The read side of messages: history, one message with its consent proof, and the log transport's
 * outbox. Sending, retry and resend live on the `messages` router.
 */
export const messageHistoryRouter = createTRPCRouter({
  // Before `get`: REST routes match in the order procedures are defined, and `/messages/{id}`
  // would otherwise take `/messages/dead_letters` (and answer 400 for an id that is not a uuid).
  deadLetters: read
    .meta({
      openapi: {
        method: "GET",
        path: "/messages/dead_letters",
        tags: TAGS,
        summary: "List dead letters",
        description:
          "Outbound messages that will not be delivered unless someone acts, newest first: `failed` (retries ran out, the provider refused it for good, a quiet-hours deferral expired) or `undelivered`, each with its last error, attempts and whether retries ran out (`exhausted`). Messages already retried and messages a cancelled campaign never sent are left out. Send one again with `POST /messages/{id}/retry`. Pages of `limit` (default 50): pass `nextCursor` back as `cursor`. Needs the `contacts:read` or `messages:send` scope; recipients are shown only with `contacts:read`.",
        protect: true,
      },
    })
    .input(ZListDeadLettersInput)
    .output(ZDeadLetterPage)
    .query(({ ctx, input }) => listDeadLetters({ ctx: ctx.svc, input })),

  get: read
    .meta({
      openapi: {
        method: "GET",
        path: "/messages/{id}",
        tags: TAGS,
        summary: "Get a message and its timeline",
        description:
          "One message with its status, block or failure reason and the timeline of events (decided, queued, sent, delivered, failed…, oldest first). Another workspace's id answers 404. Needs the `contacts:read` or `messages:send` scope.",
        protect: true,
      },
    })
    .input(ZGetMessageInput)
    .output(ZMessage)
    .query(({ ctx, input }) => getMessage({ ctx: ctx.svc, input })),

  list: read
    .meta({
      openapi: {
        method: "GET",
        path: "/messages",
        tags: TAGS,
        summary: "List messages",
        description:
          "Messages of the workspace, newest first, each with its timeline; typically `?contactId=…` for one contact's inbound and outbound messages. Filters combine with AND. Pages of `limit` (default 50): pass `nextCursor` back as `cursor`. A `contactId` of another workspace answers 404. Needs the `contacts:read` or `messages:send` scope; the `recipient` filter (a lookup by address) needs `contacts:read`.",
        protect: true,
      },
    })
    .input(ZListMessagesInput)
    .output(ZMessagePage)
    .query(({ ctx, input }) => listMessages({ ctx: ctx.svc, input })),

  // ─── Admin UI (not REST) ───────────────────────────────────────────────────

  /** The message table: recipient and preview, total and per-status counts; masked for viewers. */
  browse: memberRead
    .input(ZListMessagesInput)
    .output(ZMessageBrowsePage)
    .query(({ ctx, input }) => browseMessages({ ctx: ctx.svc, input })),

  /** One message with timeline, consent proof, content and relations; masked for viewers. */
  detail: memberRead
    .input(ZGetMessageInput)
    .output(ZMessageDetail)
    .query(({ ctx, input }) => getMessageDetail({ ctx: ctx.svc, input })),

  /** What the log transport recorded, as recipients would see it. */
  outbox: memberRead
    .input(ZOutboxInput)
    .output(ZOutboxPage)
    .query(({ ctx, input }) => listOutbox({ ctx: ctx.svc, input })),
});
