import { and, asc, eq, inArray, or } from "drizzle-orm";
import { z } from "zod";
import {
  CHANNELS,
  CONSENT_ACTIONS,
  CONSENT_SOURCES,
  SUPPRESSION_REASONS,
  consentEvents,
  consentTexts,
  forms,
  imports,
  messageEvents,
  messages,
  suppressions,
  topics,
} from "@/db/schema";
import { writeAudit } from "../audit/write-audit";
import { getConsentStates } from "../consent/get-consent-states";
import { ZConsentState } from "../consent/schemas";
import type { ServiceContext } from "../context";
import { decryptField } from "../messages/message-secrets";
import { getContactRow, toContact } from "./rows";
import { ZContact } from "./schemas";

export const ZExportContactInput = z.object({ id: z.uuid().describe("Contact id") });

export const EXPORT_FORMAT = "optin-manager.contact-export.v1";

const ZExportConsentEvent = z.object({
  id: z.uuid().describe("Ledger row id"),
  channel: z.enum(CHANNELS).describe("email or sms"),
  topic: z.string().describe("Topic key"),
  topicName: z.string().describe("Topic name"),
  action: z.enum(CONSENT_ACTIONS).describe("opted_in, opted_out, confirmed or expired"),
  source: z.enum(CONSENT_SOURCES).describe("Where the change came from (form, api, import, …)"),
  needsConfirmation: z.boolean().describe("An opt-in that waited for double opt-in confirmation"),
  occurredAt: z.date().describe("When the person acted (ISO 8601 UTC)"),
  recordedAt: z.date().describe("When it was recorded (ISO 8601 UTC)"),
  evidence: z
    .record(z.string(), z.unknown())
    .describe("Evidence captured with the change (ip, userAgent, url, formVersion, note…), decrypted"),
  consentText: z.string().nullable().describe("The consent language shown, when recorded"),
});

const ZExportMessage = z.object({
  id: z.uuid().describe("Message id"),
  direction: z.string().describe("outbound or inbound"),
  channel: z.enum(CHANNELS).describe("email or sms"),
  kind: z.string().describe("marketing, transactional or system"),
  topic: z.string().nullable().describe("Topic key of the message"),
  status: z.string().describe("Message status"),
  reason: z.string().nullable().describe("Block reason or provider error code"),
  address: z.string().nullable().describe("The address it went to; null once erased"),
  subject: z.string().nullable().describe("Email subject; null for SMS and once erased"),
  text: z.string().nullable().describe("Text body; null once erased"),
  createdAt: z.date().describe("When the message was recorded"),
  sentAt: z.date().nullable().describe("When it was handed to the provider"),
  deliveredAt: z.date().nullable().describe("When the provider reported delivery"),
  openedAt: z.date().nullable().describe("First open"),
  clickedAt: z.date().nullable().describe("First click"),
  events: z
    .array(
      z.object({
        status: z.string().describe("Event status (queued, sent, delivered, opened…)"),
        source: z.string().describe("pipeline, provider, webhook or admin"),
        occurredAt: z.date().describe("When it happened"),
      }),
    )
    .describe("The message's timeline"),
});

export const ZContactExport = z.object({
  format: z.literal(EXPORT_FORMAT).describe("Format name and version of this document"),
  exportedAt: z.date().describe("When the export was made (ISO 8601 UTC)"),
  workspaceId: z.uuid().describe("Workspace the contact belongs to"),
  contact: ZContact.extend({
    erasedAt: z.date().nullable().describe("When the contact was erased; null if not"),
  }).describe("The contact's fields, decrypted"),
  consentStates: z.array(ZConsentState).describe("Current consent per channel and topic"),
  consentHistory: z.array(ZExportConsentEvent).describe("Every consent change, oldest first, with its evidence"),
  formSubmissions: z
    .array(
      z.object({
        formId: z.string().nullable().describe("Form id"),
        formName: z.string().nullable().describe("Form name"),
        formVersion: z.string().describe("Form id and version submitted"),
        channel: z.enum(CHANNELS).describe("Channel the submission opted in on"),
        topics: z.array(z.string()).describe("Topic keys of the submission"),
        occurredAt: z.date().describe("When the form was submitted"),
      }),
    )
    .describe("Form submissions that recorded consent"),
  imports: z
    .array(
      z.object({
        importId: z.uuid().describe("Import id"),
        filename: z.string().nullable().describe("Name of the uploaded file"),
        line: z.number().int().nullable().describe("CSV line of this contact (known for its latest import)"),
        at: z.date().describe("When the import was started"),
      }),
    )
    .describe("CSV imports that created or updated the contact or recorded its consent"),
  messages: z.array(ZExportMessage).describe("Messages to and from the contact, oldest first"),
  suppressions: z
    .array(
      z.object({
        channel: z.enum(CHANNELS).describe("Suppressed channel"),
        reason: z.enum(SUPPRESSION_REASONS).describe("Why the address is suppressed"),
        source: z.string().describe("What suppressed it"),
        createdAt: z.date().describe("When"),
      }),
    )
    .describe("Suppressions of the contact's current addresses"),
});
export type TContactExport = z.infer<typeof ZContactExport>;

function formIdOf(formVersion: unknown): string | null {
  return typeof formVersion === "string" ? (/^([0-9a-f-]{36})@v\d+$/i.exec(formVersion)?.[1] ?? null) : null;
}

/**
 * Everything the workspace holds about one contact (GDPR Art. 15 access, Art. 20 portability) as
 * one JSON document (format `optin-manager.contact-export.v1`, see docs/privacy.md): fields and
 * evidence decrypted, messages with their timeline (bodies only while kept). Audited
 * (`contact.exported`). Another workspace's id is NOT_FOUND.
 */
export async function exportContact({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof ZExportContactInput>;
}): Promise<TContactExport> {
  const { id } = ZExportContactInput.parse(input);
  const row = await getContactRow(ctx.db, ctx.workspaceId, id);

  const events = await ctx.db
    .select({ event: consentEvents, topic: topics.key, topicName: topics.name })
    .from(consentEvents)
    .innerJoin(topics, eq(topics.id, consentEvents.topicId))
    .where(and(eq(consentEvents.workspaceId, ctx.workspaceId), eq(consentEvents.contactId, id)))
    .orderBy(asc(consentEvents.seq));
  const hashes = [...new Set(events.flatMap((e) => (e.event.evidence.textHash ? [e.event.evidence.textHash] : [])))];
  const texts = hashes.length
    ? await ctx.db
        .select({ hash: consentTexts.hash, text: consentTexts.text })
        .from(consentTexts)
        .where(and(eq(consentTexts.workspaceId, ctx.workspaceId), inArray(consentTexts.hash, hashes)))
    : [];
  const textByHash = new Map(texts.map((t) => [t.hash, t.text]));

  const formIds = [...new Set(events.flatMap((e) => formIdOf(e.event.evidence.formVersion) ?? []))];
  const formRows = formIds.length
    ? await ctx.db
        .select({ id: forms.id, name: forms.name })
        .from(forms)
        .where(and(eq(forms.workspaceId, ctx.workspaceId), inArray(forms.id, formIds)))
    : [];
  const formName = new Map(formRows.map((f) => [f.id, f.name]));
  const submissions = new Map<string, TContactExport["formSubmissions"][number]>();
  for (const { event, topic } of events) {
    const formVersion = event.evidence.formVersion;
    if (event.source !== "form" || !formVersion || event.action !== "opted_in") continue;
    const key = `${event.batchId ?? event.id}|${event.channel}`;
    const found = submissions.get(key);
    if (found) found.topics.push(topic);
    else {
      const formId = formIdOf(formVersion);
      submissions.set(key, {
        formId,
        formName: formId ? (formName.get(formId) ?? null) : null,
        formVersion,
        channel: event.channel,
        topics: [topic],
        occurredAt: event.occurredAt,
      });
    }
  }

  const importIds = [
    ...new Set([
      ...(row.importId ? [row.importId] : []),
      ...events.flatMap((e) => (e.event.source === "import" && e.event.batchId ? [e.event.batchId] : [])),
    ]),
  ];
  const importRows = importIds.length
    ? await ctx.db
        .select({ id: imports.id, filename: imports.filename, createdAt: imports.createdAt })
        .from(imports)
        .where(and(eq(imports.workspaceId, ctx.workspaceId), inArray(imports.id, importIds)))
        .orderBy(asc(imports.createdAt))
    : [];

  const messageRows = await ctx.db
    .select()
    .from(messages)
    .where(and(eq(messages.workspaceId, ctx.workspaceId), eq(messages.contactId, id)))
    .orderBy(asc(messages.createdAt));
  const timeline = messageRows.length
    ? await ctx.db
        .select({
          messageId: messageEvents.messageId,
          status: messageEvents.status,
          source: messageEvents.source,
          occurredAt: messageEvents.occurredAt,
        })
        .from(messageEvents)
        .where(
          inArray(
            messageEvents.messageId,
            messageRows.map((m) => m.id),
          ),
        )
        .orderBy(asc(messageEvents.seq))
    : [];

  const addressMatch = [
    row.emailHash ? and(eq(suppressions.channel, "email"), eq(suppressions.addressHash, row.emailHash)) : undefined,
    row.phoneHash ? and(eq(suppressions.channel, "sms"), eq(suppressions.addressHash, row.phoneHash)) : undefined,
  ].filter((c) => c !== undefined);
  const suppressionRows = addressMatch.length
    ? await ctx.db
        .select({
          channel: suppressions.channel,
          reason: suppressions.reason,
          source: suppressions.source,
          createdAt: suppressions.createdAt,
        })
        .from(suppressions)
        .where(and(eq(suppressions.workspaceId, ctx.workspaceId), or(...addressMatch)))
    : [];

  const { states } = await getConsentStates({ ctx, input: { id } });
  const document: TContactExport = {
    format: EXPORT_FORMAT,
    exportedAt: ctx.now(),
    workspaceId: ctx.workspaceId,
    contact: { ...toContact(row), erasedAt: row.erasedAt },
    consentStates: states,
    consentHistory: events.map(({ event, topic, topicName }) => ({
      id: event.id,
      channel: event.channel,
      topic,
      topicName,
      action: event.action,
      source: event.source,
      needsConfirmation: event.needsConfirmation,
      occurredAt: event.occurredAt,
      recordedAt: event.recordedAt,
      evidence: { ...event.evidence },
      consentText: event.evidence.textHash ? (textByHash.get(event.evidence.textHash) ?? null) : null,
    })),
    formSubmissions: [...submissions.values()],
    imports: importRows.map((i) => ({
      importId: i.id,
      filename: i.filename,
      line: i.id === row.importId ? row.importLine : null,
      at: i.createdAt,
    })),
    messages: messageRows.map((m) => ({
      id: m.id,
      direction: m.direction,
      channel: m.channel,
      kind: m.kind,
      topic: m.topicKey,
      status: m.status,
      reason: m.reason,
      address: decryptField(m.addressCiphertext, "address"),
      subject: decryptField(m.subjectCiphertext, "subject"),
      text: decryptField(m.textCiphertext, "text"),
      createdAt: m.createdAt,
      sentAt: m.sentAt,
      deliveredAt: m.deliveredAt,
      openedAt: m.openedAt,
      clickedAt: m.clickedAt,
      events: timeline
        .filter((e) => e.messageId === m.id)
        .map((e) => ({ status: e.status, source: e.source, occurredAt: e.occurredAt })),
    })),
    suppressions: suppressionRows,
  };

  await writeAudit(ctx.db, ctx, {
    action: "contact.exported",
    targetType: "contact",
    targetId: id,
    after: { consentEvents: events.length, messages: messageRows.length },
  });
  return document;
}
