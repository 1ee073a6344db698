import { authorizeRoute, errorResponse } from "@/server/api/route-auth";
import { exportContactsCsv, iterableToStream } from "@/server/services/imports";

export const dynamic = "force-dynamic";

/**
 * `GET /api/contacts/export[?tag=…]`: every (not erased) contact as CSV, decrypted, formula cells
 * escaped. Admins only (member with the admin role, or an API key with the `admin` scope). Audited.
 */
export async function GET(req: Request): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "admin", role: "admin" });
  if (!authorized.ok) return authorized.response;
  const tag = new URL(req.url).searchParams.get("tag") ?? undefined;
  try {
    const lines = await exportContactsCsv({ ctx: authorized.ctx, input: tag ? { tag } : undefined });
    const date = authorized.ctx.now().toISOString().slice(0, 10);
    return new Response(iterableToStream(lines), {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="contacts-${date}.csv"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
