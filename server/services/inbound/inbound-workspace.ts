import { asc, eq, sql } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { getEnv } from "@/server/lib/env";

/**
 * SMS settings of a workspace, stored in `workspaces.settings.sms` (no UI yet; set by SQL or a
 * future settings page):
 * - `inboundNumbers`: the E.164 numbers (or Messaging Service numbers) whose inbound texts belong
 *   to this workspace;
 * - `supportContact`: what HELP replies name as the support contact (an email, phone or URL).
 */
export interface WorkspaceSmsSettings {
  inboundNumbers?: string[];
  supportContact?: string;
}

export interface InboundWorkspace {
  id: string;
  name: string;
  defaultRegion: string;
  sms: WorkspaceSmsSettings;
}

/**
 * The workspace an inbound text to `to` belongs to: the workspace whose
 * `settings.sms.inboundNumbers` lists that number, else the default (bootstrap) workspace, which
 * owns every number today. Null only when no default workspace exists (before bootstrap).
 */
export async function findInboundWorkspace(db: Queryable, to: string): Promise<InboundWorkspace | null> {
  const numberSetting = sql`${workspaces.settings} @> jsonb_build_object('sms', jsonb_build_object('inboundNumbers', jsonb_build_array(${to}::text)))`;
  const [row] = await db
    .select({ id: workspaces.id, name: workspaces.name, defaultRegion: workspaces.defaultRegion, settings: workspaces.settings })
    .from(workspaces)
    .where(to ? sql`(${numberSetting} or ${workspaces.isDefault} = 'default')` : eq(workspaces.isDefault, "default"))
    // A workspace that claims the number first, then the default one.
    .orderBy(sql`case when ${to ? numberSetting : sql`false`} then 0 else 1 end`, asc(workspaces.createdAt))
    .limit(1);
  if (!row) return null;
  return { id: row.id, name: row.name, defaultRegion: row.defaultRegion, sms: readSmsSettings(row.settings) };
}

export function readSmsSettings(settings: Record<string, unknown>): WorkspaceSmsSettings {
  const sms = settings.sms;
  if (!sms || typeof sms !== "object") return {};
  const { inboundNumbers, supportContact } = sms as Record<string, unknown>;
  return {
    inboundNumbers: Array.isArray(inboundNumbers) ? inboundNumbers.filter((n): n is string => typeof n === "string") : undefined,
    supportContact: typeof supportContact === "string" && supportContact.trim() ? supportContact.trim() : undefined,
  };
}

/** The support contact a HELP reply names: the workspace setting, else the public site. */
export function supportContactOf(workspace: InboundWorkspace): string {
  return workspace.sms.supportContact ?? getEnv().PUBLIC_URL;
}
