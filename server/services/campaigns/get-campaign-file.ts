import { and, eq } from "drizzle-orm";
import { campaignAttachments } from "@/db/schema";
import { verifyResourceToken } from "@/server/lib/resource-tokens";
import type { PublicContext } from "../context";

export interface CampaignFile {
  filename: string;
  contentType: string;
  bytes: Buffer;
  sha256: string;
}

/**
 * A campaign file by its signed download token (`/files/{token}`, the links of an email whose
 * files go as links). Null for an altered or foreign token and for a file removed since (the
 * route answers 404 either way). No login: the token is the permission. Reads only.
 */
export async function getCampaignFile({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: { token: string };
}): Promise<CampaignFile | null> {
  const claims = verifyResourceToken("file", input.token);
  if (!claims) return null;
  const [file] = await ctx.db
    .select({
      filename: campaignAttachments.filename,
      contentType: campaignAttachments.contentType,
      bytes: campaignAttachments.bytes,
      sha256: campaignAttachments.sha256,
    })
    .from(campaignAttachments)
    .where(and(eq(campaignAttachments.workspaceId, claims.workspaceId), eq(campaignAttachments.id, claims.id)));
  return file ?? null;
}
