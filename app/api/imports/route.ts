import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { z } from "zod";
import { authorizeRoute, errorResponse, jsonError } from "@/server/api/route-auth";
import { BODY_LIMITS, byteLimit, formatBytes, PayloadTooLargeError } from "@/server/lib/body-limits";
import { resumeImportUpload, runImport } from "@/server/services/imports";

export const dynamic = "force-dynamic";
// A large file takes a while; the import itself is committed batch by batch.
export const maxDuration = 3600;

const ZQuery = z.object({
  importId: z.uuid(),
  expectedRows: z.coerce.number().int().min(0).max(100_000_000).optional(),
  resume: z.enum(["1", "true"]).optional(),
});

/**
 * `POST /api/imports?importId=…[&expectedRows=…]` with the raw CSV as the body. The body is
 * stored (streamed to DATA_DIR, never buffered in memory) and run by `runImport`; the answer is the
 * finished import. With `&resume=1`: the same file again, to resume an interrupted or failed import
 * (`resumeImportUpload`; another file → 409).
 * Auth: a member (marketer+) of the session's workspace, or an API key with `contacts:write`.
 */
export async function POST(req: Request): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "contacts:write", role: "marketer" });
  if (!authorized.ok) return authorized.response;
  const query = ZQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!query.success) return jsonError(400, "Pass ?importId=<uuid> of an import created with POST /imports", "INVALID");
  if (!req.body) return jsonError(400, "Send the CSV file as the request body", "INVALID");
  try {
    // A declared length over the limit was refused by the HTTP server; a chunked body stops here.
    const source = Readable.fromWeb(
      req.body.pipeThrough(byteLimit(BODY_LIMITS.csvUpload)) as unknown as NodeReadableStream<Uint8Array>,
    );
    const result = query.data.resume
      ? await resumeImportUpload({ ctx: authorized.ctx, input: { importId: query.data.importId, source } })
      : await runImport({
          ctx: authorized.ctx,
          input: { importId: query.data.importId, source, expectedRows: query.data.expectedRows },
        });
    return Response.json(result, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    if (
      error instanceof PayloadTooLargeError ||
      (error as { cause?: unknown })?.cause instanceof PayloadTooLargeError
    ) {
      return jsonError(
        413,
        `The CSV file is larger than ${formatBytes(BODY_LIMITS.csvUpload)}: split it into smaller files`,
        "PAYLOAD_TOO_LARGE",
      );
    }
    return errorResponse(error);
  }
}
