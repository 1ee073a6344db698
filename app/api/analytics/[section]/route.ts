import { authorizeRoute, errorResponse, jsonError } from "@/server/api/route-auth";
import { exportAnalyticsCsv } from "@/server/services/analytics";
import { ANALYTICS_SECTIONS } from "@/server/shared/analytics";

export const dynamic = "force-dynamic";

/**
 * `GET /api/analytics/{section}.csv?from&to&topic&channel`: one dashboard section as CSV
 * (`delivery`, `blocked`, `consent-trend`, `best-hour`, `top-forms`), the numbers the dashboard
 * shows for the same filters. Aggregates only: members from viewer up, or a key with
 * `campaigns:read`. A bad filter answers 400, an unknown topic 404, an unknown section 404.
 */
export async function GET(req: Request, { params }: { params: Promise<{ section: string }> }): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "campaigns:read", role: "viewer" });
  if (!authorized.ok) return authorized.response;
  const { section: file } = await params;
  const section = file.endsWith(".csv") ? file.slice(0, -4) : "";
  if (!(ANALYTICS_SECTIONS as readonly string[]).includes(section)) {
    return jsonError(404, "Unknown analytics section", "NOT_FOUND");
  }
  const query = new URL(req.url).searchParams;
  const channel = query.get("channel");
  try {
    const csv = await exportAnalyticsCsv({
      ctx: authorized.ctx,
      input: {
        section,
        from: query.get("from") ?? undefined,
        to: query.get("to") ?? undefined,
        topic: query.get("topic") ?? undefined,
        channel: (channel ?? undefined) as "email" | "sms" | undefined,
      },
    });
    const date = authorized.ctx.now().toISOString().slice(0, 10);
    return new Response(csv, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="analytics-${section}-${date}.csv"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
