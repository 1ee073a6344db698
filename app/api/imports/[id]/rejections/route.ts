import { authorizeRoute, errorResponse, jsonError } from "@/server/api/route-auth";
import { iterableToStream, rejectionsCsv } from "@/server/services/imports";

export const dynamic = "force-dynamic";

/** `GET /api/imports/{id}/rejections`: the rejection report (line, column, reason) as CSV. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "contacts:write", role: "marketer" });
  if (!authorized.ok) return authorized.response;
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) return jsonError(404, "Import not found", "NOT_FOUND");
  try {
    const lines = await rejectionsCsv({ ctx: authorized.ctx, input: { importId: id } });
    return new Response(iterableToStream(lines), {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="import-${id.slice(0, 8)}-rejections.csv"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
