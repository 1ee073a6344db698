import { z } from "zod";
import {
  createImport,
  getImport,
  listImports,
  previewCsv,
  resumeImport,
  ZCreateImportInput,
  ZImport,
  ZListImportsInput,
  ZPreviewCsvInput,
  ZPreviewCsvOutput,
} from "@/server/services/imports";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

const TAGS = ["Imports"];
const write = workspaceProcedure({ scope: "contacts:write", role: "marketer" });

/**
 * CSV imports. Create (mapping + topics/channels), then upload the file body to
 * `POST /api/imports?importId=…` (streamed, not through tRPC), then poll `get`.
 */
export const importsRouter = createTRPCRouter({
  create: write
    .meta({
      openapi: {
        method: "POST",
        path: "/imports",
        tags: TAGS,
        summary: "Create a CSV import",
        description:
          "Declares the column mapping and the topics/channels the consent column applies to. Then send the CSV as the raw request body to `POST /api/imports?importId={id}` with the same key, and poll `GET /imports/{id}`.",
        protect: true,
      },
    })
    .input(ZCreateImportInput)
    .output(ZImport)
    .mutation(({ ctx, input }) => createImport({ ctx: ctx.svc, input })),

  get: write
    .meta({
      openapi: {
        method: "GET",
        path: "/imports/{id}",
        tags: TAGS,
        summary: "Get an import and its progress counters",
        description:
          "Poll it while `status` is `pending` or `running`; the counters advance as rows are processed. Needs the `contacts:write` scope.",
        protect: true,
      },
    })
    .input(z.object({ id: z.uuid().describe("Import id") }))
    .output(ZImport)
    .query(({ ctx, input }) => getImport({ ctx: ctx.svc, input })),

  resume: write
    .meta({
      openapi: {
        method: "POST",
        path: "/imports/{id}/resume",
        tags: TAGS,
        summary: "Resume an interrupted import",
        description:
          "Resumes an import whose process stopped (`interrupted`) or that failed on an internal error (`resumable`), from the line after its last committed batch, with the file stored at upload; the run continues in the background (poll `GET /imports/{id}`). 409 when the import cannot be resumed, is already running, or its file is no longer stored (then upload the same file to `POST /api/imports?importId={id}&resume=1`; another file → 409).",
        protect: true,
      },
    })
    .input(z.object({ id: z.uuid().describe("Import id") }))
    .output(ZImport)
    .mutation(({ ctx, input }) => resumeImport({ ctx: ctx.svc, input })),

  list: write
    .input(ZListImportsInput)
    .output(z.object({ items: z.array(ZImport) }))
    .query(async ({ ctx, input }) => ({ items: await listImports({ ctx: ctx.svc, input }) })),

  /** A mutation only because the sample (up to 64 KB) is too large for a GET query string. */
  preview: write
    .input(ZPreviewCsvInput)
    .output(ZPreviewCsvOutput)
    .mutation(({ input }) => previewCsv({ input })),
});
