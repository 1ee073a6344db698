import { authorizeRoute, errorResponse } from "@/server/api/route-auth";
import { exportSuppressionReportCsv } from "@/server/services/suppressions";

export const dynamic = "force-dynamic";

/**
 * `GET /api/suppressions/report.csv?from&to&channel`: the opt-out report as CSV, the numbers the
 * suppressions page shows for the same range. Aggregates only: members from viewer up, or a key
 * with `contacts:read`. A bad range or channel answers 400.
 */
export async function GET(req: Request): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "contacts:read", role: "viewer" });
  if (!authorized.ok) return authorized.response;
  const query = new URL(req.url).searchParams;
  try {
    const csv = await exportSuppressionReportCsv({
      ctx: authorized.ctx,
      input: {
        from: query.get("from") ?? undefined,
        to: query.get("to") ?? undefined,
        channel: (query.get("channel") ?? undefined) as "email" | "sms" | undefined,
      },
    });
    const date = authorized.ctx.now().toISOString().slice(0, 10);
    return new Response(csv, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="opt-out-report-${date}.csv"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
