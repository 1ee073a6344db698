import { pdfResponse } from "@/server/api/pdf-response";
import { authorizeRoute, errorResponse } from "@/server/api/route-auth";
import { renderDashboardPdf } from "@/server/services/reports";

export const dynamic = "force-dynamic";

/**
 * `GET /api/analytics/report.pdf?from&to&topic&channel`: the analytics dashboard as a PDF for the
 * same filters (headline figures, charts and tables of every section). Aggregates only: members
 * from viewer up, or a key with `campaigns:read`. A bad filter answers 400, an unknown topic 404.
 */
export async function GET(req: Request): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "campaigns:read", role: "viewer" });
  if (!authorized.ok) return authorized.response;
  const query = new URL(req.url).searchParams;
  const channel = query.get("channel");
  try {
    const { pdf, filename } = await renderDashboardPdf({
      ctx: authorized.ctx,
      input: {
        from: query.get("from") ?? undefined,
        to: query.get("to") ?? undefined,
        topic: query.get("topic") ?? undefined,
        channel: (channel ?? undefined) as "email" | "sms" | undefined,
      },
    });
    return pdfResponse(pdf, filename);
  } catch (error) {
    return errorResponse(error);
  }
}
