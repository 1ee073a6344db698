import { z } from "zod";
import {
  archiveForm,
  createForm,
  getForm,
  listForms,
  updateForm,
  ZArchiveFormInput,
  ZCreateFormInput,
  ZFormDetail,
  ZFormSummary,
  ZUpdateFormInput,
} from "@/server/services/forms";
import { resendConfirmation, ZResendConfirmationInput } from "@/server/services/confirmations";
import { createTRPCRouter, memberProcedure } from "../trpc";

/** Hosted opt-in forms (admin UI only; the public side is `/f/{key}`). */
export const formsRouter = createTRPCRouter({
  list: memberProcedure("marketer")
    .input(z.object({ includeArchived: z.boolean().optional() }).optional())
    .output(z.object({ items: z.array(ZFormSummary) }))
    .query(async ({ ctx, input }) => ({ items: await listForms({ ctx: ctx.svc, input }) })),

  get: memberProcedure("marketer")
    .input(z.object({ id: z.uuid() }))
    .output(ZFormDetail)
    .query(({ ctx, input }) => getForm({ ctx: ctx.svc, input })),

  create: memberProcedure("admin")
    .input(ZCreateFormInput)
    .output(ZFormDetail)
    .mutation(({ ctx, input }) => createForm({ ctx: ctx.svc, input })),

  update: memberProcedure("admin")
    .input(ZUpdateFormInput)
    .output(ZFormDetail)
    .mutation(({ ctx, input }) => updateForm({ ctx: ctx.svc, input })),

  archive: memberProcedure("admin")
    .input(ZArchiveFormInput)
    .output(ZFormDetail)
    .mutation(({ ctx, input }) => archiveForm({ ctx: ctx.svc, input })),

  /** Sends a fresh double opt-in link or code for the contact's open request on a channel. */
  resendConfirmation: memberProcedure("marketer")
    .input(ZResendConfirmationInput)
    .output(
      z.object({
        confirmationId: z.string().nullable(),
        channel: z.enum(["email", "sms"]),
        sentTo: z.string().nullable(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const sent = await resendConfirmation({ ctx: ctx.svc, input });
      return { confirmationId: sent.confirmationId, channel: sent.channel, sentTo: sent.sentTo };
    }),
});
