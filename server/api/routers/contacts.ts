import { z } from "zod";
import {
  getConsentStates,
  recordConsent,
  ZConsentState,
  ZGetConsentInput,
  ZRecordConsentInput,
} from "@/server/services/consent";
import {
  contactForActor,
  eraseContact,
  exportContact,
  findContacts,
  getContact,
  getContactDetail,
  getContactHistory,
  listContacts,
  listContactTags,
  revealContact,
  setContactConsent,
  updateContact,
  upsertContact,
  ZContact,
  ZContactDetailInput,
  ZContactExport,
  ZEraseContactInput,
  ZExportContactInput,
  ZContactHistoryInput,
  ZListContactsInput,
  ZRevealContactInput,
  ZSetContactConsentInput,
  ZUpdateContactInput,
  ZUpsertContactInput,
} from "@/server/services/contacts";
import { createTRPCRouter, memberProcedure, workspaceProcedure } from "../trpc";

const TAGS = ["Contacts"];
const read = workspaceProcedure({ scope: "contacts:read", role: "viewer" });
const write = workspaceProcedure({ scope: "contacts:write", role: "marketer" });
/** Erasure destroys personal data for good: owners and admins, or a key with `contacts:erase`. */
const erase = workspaceProcedure({ scope: "contacts:erase", role: "admin" });
/** The export holds every personal detail in clear: the members who see contacts unmasked. */
const exportRead = workspaceProcedure({ scope: "contacts:read", role: "marketer" });
const consentWrite = workspaceProcedure({ scope: "consent:write", role: "marketer" });
/** Admin UI only (session members; API keys use the REST procedures above). */
const memberRead = memberProcedure("viewer");
const memberWrite = memberProcedure("marketer");

export const contactsRouter = createTRPCRouter({
  upsert: write
    .meta({
      openapi: {
        method: "POST",
        path: "/contacts",
        tags: TAGS,
        summary: "Create or update a contact",
        description:
          "Upserts by email or phone: the same address in another format (phone normalised to E.164 with the workspace's default region, email case-insensitive) updates the existing contact. Attributes are merged and tags added. 409 when the email and the phone belong to two different contacts. Matched by one address with a different other address, the stored address is replaced and the consent given for it is withdrawn (opt-outs with source address_changed); the new address starts with no consent. Needs the `contacts:write` scope; without `contacts:read` as well, the answer's email, phone and names are masked (`a•••@example.com`, `+1 ••• ••• 4567`, `A•••`) attribute values `•••`.",
        protect: true,
      },
    })
    .input(ZUpsertContactInput)
    .output(ZContact)
    .mutation(async ({ ctx, input }) =>
      contactForActor(ctx.svc.actor, (await upsertContact({ ctx: ctx.svc, input })).contact),
    ),

  get: read
    .meta({
      openapi: {
        method: "GET",
        path: "/contacts/{id}",
        tags: TAGS,
        summary: "Get a contact",
        description: "One contact with its profile, attributes and tags. Needs the `contacts:read` scope.",
        protect: true,
      },
    })
    .input(z.object({ id: z.uuid().describe("Contact id") }))
    .output(ZContact)
    .query(({ ctx, input }) => getContact({ ctx: ctx.svc, input })),

  find: read
    .meta({
      openapi: {
        method: "GET",
        path: "/contacts",
        tags: TAGS,
        summary: "Find contacts by email or phone",
        description: "Exact match after normalisation.",
        protect: true,
      },
    })
    // Query parameters are described before `.optional()`: see liftParameterDescriptions in ../openapi.ts.
    .input(
      z.object({
        email: z
          .string()
          .max(320)
          .describe("Email address to look up (exact match, case-insensitive); give email, phone or both")
          .optional(),
        phone: z
          .string()
          .max(40)
          .describe(
            "Phone number to look up, in any format (normalised to E.164 with the workspace's default region); give email, phone or both",
          )
          .optional(),
      }),
    )
    .output(
      z.object({
        items: z
          .array(ZContact)
          .describe("The matching contact, or none; with both email and phone, a contact must match both"),
      }),
    )
    .query(async ({ ctx, input }) => ({ items: await findContacts({ ctx: ctx.svc, input }) })),

  erase: erase
    .meta({
      openapi: {
        method: "DELETE",
        path: "/contacts/{id}",
        tags: TAGS,
        summary: "Erase a contact (GDPR)",
        description:
          "Destroys the contact's personal data for good, in one transaction: addresses, names, attributes, tags, locale and time zone; the ip, user agent and note of its consent evidence; the address, subject and bodies of its messages. Its addresses are suppressed on their channels with reason `erased`, so they are not messaged again unless they opt in anew with evidence. The ids, consent facts (channel, topic, action, source, times) and message statuses stay. Answers the erased contact (no email, phone or names). Erasing an erased contact answers the same and changes nothing. Needs the `contacts:erase` scope.",
        protect: true,
      },
    })
    .input(ZEraseContactInput)
    .output(ZContact)
    .mutation(({ ctx, input }) => eraseContact({ ctx: ctx.svc, input })),

  export: exportRead
    .meta({
      openapi: {
        method: "GET",
        path: "/contacts/{id}/export",
        tags: TAGS,
        summary: "Export a contact's data (GDPR)",
        description:
          "Everything held about one contact as one JSON document (format `optin-manager.contact-export.v1`): its fields decrypted, current consent and the full consent history with evidence and consent text, form submissions, the imports that touched it, its messages with their timeline, and the suppressions of its addresses. Audited. Needs the `contacts:read` scope.",
        protect: true,
      },
    })
    .input(ZExportContactInput)
    .output(ZContactExport)
    .query(({ ctx, input }) => exportContact({ ctx: ctx.svc, input })),

  recordConsent: consentWrite
    .meta({
      openapi: {
        method: "POST",
        path: "/contacts/{id}/consent",
        tags: ["Consent"],
        summary: "Record an opt-in or opt-out",
        description:
          "Appends to the consent ledger and answers the contact's new states on that channel. Without `topic` the change applies to every topic on the channel. An opt-in needs at least one evidence field (400 otherwise); an opt-out never does. An opt-in that happened before a recorded opt-out never revives consent.",
        protect: true,
      },
    })
    .input(ZRecordConsentInput)
    .output(
      z.object({
        states: z
          .array(ZConsentState)
          .describe(
            "The contact's states on this channel after the change (only the given topic's when topic was given)",
          ),
      }),
    )
    .mutation(({ ctx, input }) => recordConsent({ ctx: ctx.svc, input })),

  consent: read
    .meta({
      openapi: {
        method: "GET",
        path: "/contacts/{id}/consent",
        tags: ["Consent"],
        summary: "Consent states of a contact",
        description: "With `at`, the states as they were at that time, replayed from the ledger.",
        protect: true,
      },
    })
    .input(ZGetConsentInput)
    .output(
      z.object({
        states: z
          .array(ZConsentState)
          .describe("One state per channel and topic with a recorded state, sorted by channel then topic key"),
      }),
    )
    .query(({ ctx, input }) => getConsentStates({ ctx: ctx.svc, input })),

  // ─── Admin UI (not REST) ───────────────────────────────────────────────────

  /** A page of contacts (50, newest first) with consent summaries; masked for viewers. */
  list: memberRead.input(ZListContactsInput).query(({ ctx, input }) => listContacts({ ctx: ctx.svc, input })),

  /** Tags in use, for the list's tag filter. */
  tags: memberRead.query(({ ctx }) => listContactTags({ ctx: ctx.svc })),

  /** Profile, consent grid and suppressions; masked for viewers. */
  detail: memberRead.input(ZContactDetailInput).query(({ ctx, input }) => getContactDetail({ ctx: ctx.svc, input })),

  /** Consent ledger with evidence, and the activity timeline. */
  history: memberRead.input(ZContactHistoryInput).query(({ ctx, input }) => getContactHistory({ ctx: ctx.svc, input })),

  /** Full personal fields for a member who sees them masked; audited as `contact.revealed`. */
  reveal: memberRead.input(ZRevealContactInput).mutation(({ ctx, input }) => revealContact({ ctx: ctx.svc, input })),

  /** "New contact": the same upsert as the REST API, telling the form whether it already existed. */
  create: memberWrite.input(ZUpsertContactInput).mutation(async ({ ctx, input }) => {
    const { contact, created } = await upsertContact({ ctx: ctx.svc, input });
    return { id: contact.id, created };
  }),

  /** Edit the profile by id (may change an address). */
  update: memberWrite.input(ZUpdateContactInput).mutation(({ ctx, input }) => updateContact({ ctx: ctx.svc, input })),

  /** Admin opt-out, or opt-in with a note as evidence (source `admin`). */
  setConsent: memberWrite
    .input(ZSetContactConsentInput)
    .mutation(({ ctx, input }) => setContactConsent({ ctx: ctx.svc, input })),
});
