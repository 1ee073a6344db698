import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { workspaceLogos } from "@/db/schema";
import { invalid } from "@/server/lib/errors";
import { MAX_LOGO_BYTES, uploadedLogoPath } from "@/server/shared/workspace-profile";
import { writeAudit } from "../audit/write-audit";
import { inTransaction, requireAccess, type ServiceContext } from "../context";
import { ZSetWorkspaceLogoInput, type TSetWorkspaceLogoInput } from "./profile-schemas";

/** Whether the bytes are what the declared type says (a renamed file or a script is refused). */
export function looksLike(contentType: string, bytes: Buffer): boolean {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  switch (contentType) {
    case "image/png":
      return starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
    case "image/jpeg":
      return starts(0xff, 0xd8, 0xff);
    case "image/gif":
      return (
        bytes.subarray(0, 6).toString("latin1") === "GIF87a" || bytes.subarray(0, 6).toString("latin1") === "GIF89a"
      );
    case "image/webp":
      return bytes.subarray(0, 4).toString("latin1") === "RIFF" && bytes.subarray(8, 12).toString("latin1") === "WEBP";
    case "image/svg+xml": {
      const head = bytes
        .subarray(0, 1024)
        .toString("utf8")
        .replace(/^\uFEFF/, "")
        .trimStart();
      return /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head);
    }
    default:
      return false;
  }
}

/**
 * Stores an uploaded logo for the hosted pages (replacing any earlier one). The bytes must match
 * the declared image type and be at most 256 KB. SVGs are served with a policy that runs no script
 * (see the logo route). Admins and owners; audited (type, size and hash, not the image).
 */
export async function setWorkspaceLogo({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TSetWorkspaceLogoInput;
}): Promise<{ src: string }> {
  requireAccess(ctx, { scope: "admin", role: "admin", what: "the workspace logo" });
  const { contentType, data } = ZSetWorkspaceLogoInput.parse(input);
  const bytes = Buffer.from(data, "base64");
  if (bytes.length === 0) throw invalid("Choose an image", "data");
  if (bytes.length > MAX_LOGO_BYTES) throw invalid(`The logo must be ${MAX_LOGO_BYTES / 1024} KB or smaller`, "data");
  if (!looksLike(contentType, bytes))
    throw invalid("This file is not the image it claims to be: upload a PNG, JPEG, GIF, WebP or SVG image", "data");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  await inTransaction(ctx.db, async (tx) => {
    await tx
      .insert(workspaceLogos)
      .values({ workspaceId: ctx.workspaceId, contentType, data: bytes, sha256, updatedAt: ctx.now() })
      .onConflictDoUpdate({
        target: workspaceLogos.workspaceId,
        set: { contentType, data: bytes, sha256, updatedAt: ctx.now() },
      });
    await writeAudit(tx, ctx, {
      action: "workspace.logo_updated",
      targetType: "workspace",
      targetId: ctx.workspaceId,
      after: { contentType, bytes: bytes.length, sha256 },
    });
  });
  return { src: uploadedLogoPath(ctx.workspaceId, sha256) };
}

/** Removes the uploaded logo (the logo URL, if set, then applies). Idempotent; audited when one was removed. */
export async function removeWorkspaceLogo({ ctx }: { ctx: ServiceContext }): Promise<{ removed: boolean }> {
  requireAccess(ctx, { scope: "admin", role: "admin", what: "the workspace logo" });
  return inTransaction(ctx.db, async (tx) => {
    const removed = await tx
      .delete(workspaceLogos)
      .where(eq(workspaceLogos.workspaceId, ctx.workspaceId))
      .returning({ sha256: workspaceLogos.sha256 });
    if (removed.length === 0) return { removed: false };
    await writeAudit(tx, ctx, {
      action: "workspace.logo_removed",
      targetType: "workspace",
      targetId: ctx.workspaceId,
      before: { sha256: removed[0]!.sha256 },
    });
    return { removed: true };
  });
}
