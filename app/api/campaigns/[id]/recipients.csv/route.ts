import { authorizeRoute, errorResponse, jsonError } from "@/server/api/route-auth";
import { exportCampaignRecipientsCsv } from "@/server/services/campaigns";
import { iterableToStream } from "@/server/services/imports";

export const dynamic = "force-dynamic";

/**
 * `GET /api/campaigns/{id}/recipients.csv[?runId=…&outcome=…&reason=…]`: a run's recipients (default: the
 * latest run) as CSV, streamed a page at a time. Whoever may read campaigns (viewer and up, or a
 * key with `campaigns:read`); names and addresses are masked as in the app for viewers and for keys
 * without `contacts:read`. Audited.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const authorized = await authorizeRoute(req, { scope: "campaigns:read", role: "viewer" });
  if (!authorized.ok) return authorized.response;
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) return jsonError(404, "Campaign not found", "NOT_FOUND");
  const query = new URL(req.url).searchParams;
  try {
    const lines = await exportCampaignRecipientsCsv({
      ctx: authorized.ctx,
      input: {
        id,
        runId: query.get("runId") ?? undefined,
        outcome: query.get("outcome") ?? undefined,
        reason: query.get("reason") ?? undefined,
      },
    });
    const date = authorized.ctx.now().toISOString().slice(0, 10);
    return new Response(iterableToStream(lines), {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="campaign-${id.slice(0, 8)}-recipients-${date}.csv"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
