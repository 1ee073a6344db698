import { authorizeRoute, errorResponse, jsonError } from "@/server/api/route-auth";
import { BODY_LIMITS, formatBytes, PayloadTooLargeError, readBodyWithin } from "@/server/lib/body-limits";
import { MAX_ATTACHMENT_TOTAL_BYTES } from "@/server/shared/attachments";
import { addCampaignAttachment } from "@/server/services/campaigns";

export const dynamic = "force-dynamic";

/**
 * `POST /api/campaigns/{id}/attachments`: one file as `multipart/form-data`, field `file`.
 * Answers 201 with the stored file (sanitised name, type, size, SHA-256); 400 for a refused type,
 * an empty file or a campaign over its 10 files / 5 MB; 409 once the campaign is no longer a draft,
 * scheduled or paused; 413 for a body over the upload limit (nothing stored).
 * Auth: a member (marketer+) of the session's workspace, or an API key with `campaigns:write`.
 * Listing and removing go through the REST API (`GET /campaigns/{id}/attachments`,
 * `POST /campaigns/{id}/remove_attachment`).
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "campaigns:write", role: "marketer" });
  if (!authorized.ok) return authorized.response;
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) return jsonError(404, "Campaign not found", "NOT_FOUND");
  if (!(req.headers.get("content-type") ?? "").toLowerCase().startsWith("multipart/form-data"))
    return jsonError(415, "Send the file as multipart/form-data in a field named `file`", "UNSUPPORTED_MEDIA_TYPE");
  let form: FormData;
  try {
    // A declared length over the limit was refused by the HTTP server; a chunked body stops here.
    const body = await readBodyWithin(req, BODY_LIMITS.attachmentUpload);
    form = await new Response(body as BodyInit, {
      headers: { "content-type": req.headers.get("content-type")! },
    }).formData();
  } catch (error) {
    if (error instanceof PayloadTooLargeError)
      return jsonError(
        413,
        `The file is larger than ${formatBytes(MAX_ATTACHMENT_TOTAL_BYTES)}, the most a campaign's files may take: send a link to a hosted file instead`,
        "PAYLOAD_TOO_LARGE",
      );
    return jsonError(400, "The body is not valid multipart/form-data", "INVALID");
  }
  const file = form.get("file");
  if (!(file instanceof File)) return jsonError(400, "Send the file in a form field named `file`", "INVALID");
  try {
    const attachment = await addCampaignAttachment({
      ctx: authorized.ctx,
      input: {
        id,
        filename: file.name,
        contentType: file.type || null,
        bytes: new Uint8Array(await file.arrayBuffer()),
      },
    });
    return Response.json(attachment, { status: 201, headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
