import { and, eq } from "drizzle-orm";
import { API_KEY_SCOPES, apiKeys, memberships, users, workspaces } from "@/db/schema";
import { hashPassword, randomToken, sha256Hex } from "@/server/lib/hashing";
import { writeAudit } from "../audit/write-audit";
import type { JobContext } from "../context";
import { ensureDefaultTopics } from "../topics/defaults";
import { ensureDefaultTemplates } from "../templates/defaults";
import { ZBootstrapApiKey } from "@/server/lib/env";

export interface BootstrapInput {
  adminEmail: string;
  /** When absent a password is generated (and returned once) for a newly created admin. */
  adminPassword?: string;
  /** When set, a key with exactly this secret and every scope exists in the default workspace. */
  adminApiKey?: string;
  defaultRegion: string;
  workspaceName?: string;
}

export interface BootstrapResult {
  workspaceId: string;
  adminUserId: string;
  adminEmail: string;
  /** True only on the start that created the admin. */
  adminCreated: boolean;
  /** The generated password, present only when this call created the admin without INIT_ADMIN_PASSWORD. */
  generatedPassword?: string;
}

/**
 * Makes sure the default workspace, its bootstrap owner and the optional init API key exist.
 * Idempotent and safe under concurrent starts: every insert is ON CONFLICT DO NOTHING against a
 * unique index (the default-workspace marker, users.email, the membership key, api_keys.key_hash),
 * then re-read. An existing admin's password is never changed here.
 */
export async function ensureBootstrap({
  ctx,
  input,
}: {
  ctx: JobContext;
  input: BootstrapInput;
}): Promise<BootstrapResult> {
  const { db, now } = ctx;
  // The env check refuses a weak key at start-up; this keeps any other caller from making one.
  if (input.adminApiKey !== undefined) ZBootstrapApiKey.parse(input.adminApiKey);
  const email = input.adminEmail.trim().toLowerCase();
  const generatedPassword = input.adminPassword ? undefined : randomToken(12);
  const passwordHash = await hashPassword(input.adminPassword ?? generatedPassword!);
  const actor = { type: "system", job: "bootstrap" } as const;

  return db.transaction(async (tx) => {
    await tx
      .insert(workspaces)
      .values({
        name: input.workspaceName ?? "My Workspace",
        slug: "default",
        defaultRegion: input.defaultRegion,
        isDefault: "default",
        createdAt: now(),
        updatedAt: now(),
      })
      .onConflictDoNothing();
    const [workspace] = await tx.select().from(workspaces).where(eq(workspaces.isDefault, "default"));
    if (!workspace) throw new Error("default workspace missing after insert");
    await ensureDefaultTopics(tx, workspace.id, now());
    await ensureDefaultTemplates(tx, workspace.id, now);

    const inserted = await tx
      .insert(users)
      .values({ email, name: "Admin", passwordHash, emailVerifiedAt: now(), createdAt: now(), updatedAt: now() })
      .onConflictDoNothing()
      .returning({ id: users.id });
    const adminCreated = inserted.length === 1;
    const [admin] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (!admin) throw new Error("bootstrap admin missing after insert");

    const membership = await tx
      .insert(memberships)
      .values({ workspaceId: workspace.id, userId: admin.id, role: "owner", createdAt: now(), updatedAt: now() })
      .onConflictDoNothing()
      .returning({ userId: memberships.userId });
    if (membership.length === 1 || adminCreated) {
      await writeAudit(
        tx,
        { workspaceId: workspace.id, actor, now },
        {
          action: "member.bootstrapped",
          targetType: "user",
          targetId: admin.id,
          after: { role: "owner" },
        },
      );
    }

    if (input.adminApiKey) {
      const keyHash = sha256Hex(input.adminApiKey);
      const created = await tx
        .insert(apiKeys)
        .values({
          workspaceId: workspace.id,
          name: "INIT_ADMIN_API_KEY",
          prefix: "env",
          keyHash,
          scopes: [...API_KEY_SCOPES],
          createdAt: now(),
        })
        .onConflictDoNothing()
        .returning({ id: apiKeys.id });
      if (created.length === 0) {
        // The operator asked for this key to work: undo a revocation and restore every scope.
        await tx
          .update(apiKeys)
          .set({ revokedAt: null, scopes: [...API_KEY_SCOPES] })
          .where(and(eq(apiKeys.keyHash, keyHash), eq(apiKeys.workspaceId, workspace.id)));
      } else {
        await writeAudit(
          tx,
          { workspaceId: workspace.id, actor, now },
          {
            action: "api_key.created",
            targetType: "api_key",
            targetId: created[0]!.id,
            after: { name: "INIT_ADMIN_API_KEY", scopes: [...API_KEY_SCOPES] },
          },
        );
      }
    }

    return {
      workspaceId: workspace.id,
      adminUserId: admin.id,
      adminEmail: email,
      adminCreated,
      generatedPassword: adminCreated ? generatedPassword : undefined,
    };
  });
}
