import { z } from "zod";
import { authorizeRoute, errorResponse, jsonError } from "@/server/api/route-auth";
import { exportContact } from "@/server/services/contacts";

export const dynamic = "force-dynamic";

/**
 * `GET /api/contacts/{id}/export.json`: one contact's data export (docs/privacy.md) as a JSON
 * download. Marketers and above, or an API key with `contacts:read`. Audited.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "contacts:read", role: "marketer" });
  if (!authorized.ok) return authorized.response;
  try {
    const { id } = await params;
    if (!z.uuid().safeParse(id).success) return jsonError(400, "id must be a contact id (uuid)", "BAD_REQUEST");
    const document = await exportContact({ ctx: authorized.ctx, input: { id } });
    return new Response(JSON.stringify(document, null, 2), {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="contact-${document.contact.id}.json"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
