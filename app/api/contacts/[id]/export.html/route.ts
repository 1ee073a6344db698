import { z } from "zod";
import { authorizeRoute, errorResponse, jsonError } from "@/server/api/route-auth";
import { exportContact, renderContactExportHtml } from "@/server/services/contacts";

export const dynamic = "force-dynamic";

/**
 * `GET /api/contacts/{id}/export.html`: one contact's data export as a readable, printable page
 * (self-contained, no scripts). Marketers and above, or an API key with `contacts:read`. Audited.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "contacts:read", role: "marketer" });
  if (!authorized.ok) return authorized.response;
  try {
    const { id } = await params;
    if (!z.uuid().safeParse(id).success) return jsonError(400, "id must be a contact id (uuid)", "BAD_REQUEST");
    const document = await exportContact({ ctx: authorized.ctx, input: { id } });
    return new Response(renderContactExportHtml(document), {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
