import { asc, sql } from "drizzle-orm";
import { workspaces } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { getEnv } from "@/server/lib/env";

/**
 * SMS settings of a workspace, stored in `workspaces.settings.sms` (no UI yet; set by SQL or a
 * future settings page):
 * - `inboundNumbers`: the E.164 numbers (or Messaging Service numbers) this workspace texts from
 *   and receives on; the first one is its sender number. A workspace without any uses the
 *   account's default number (`TWILIO_FROM`), which every such workspace shares;
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
  isDefault: boolean;
  sms: WorkspaceSmsSettings;
}

/**
 * The workspaces that may own an inbound text to `to`, default workspace first, then oldest first:
 * - the workspaces whose `settings.sms.inboundNumbers` list `to`, when any does;
 * - else every workspace with no number of its own (they all text from the shared default
 *   number, so a text to it may be meant for any of them);
 * - else (every workspace has its own numbers and none is `to`) the default workspace.
 * Empty only before bootstrap. Which of them the text is for is decided by who knows the sender
 * (`handleInboundSms`).
 */
export async function findInboundWorkspaces(db: Queryable, to: string): Promise<InboundWorkspace[]> {
  const numbers = sql`case when jsonb_typeof(${workspaces.settings} -> 'sms' -> 'inboundNumbers') = 'array' then ${workspaces.settings} -> 'sms' -> 'inboundNumbers' else '[]'::jsonb end`;
  const claimsTo = sql`${numbers} @> jsonb_build_array(${to}::text)`;
  const hasNoNumber = sql`jsonb_array_length(${numbers}) = 0`;
  const rows = await db
    .select({
      id: workspaces.id,
      name: workspaces.name,
      defaultRegion: workspaces.defaultRegion,
      isDefault: workspaces.isDefault,
      settings: workspaces.settings,
      claimsTo: sql<boolean>`${to ? claimsTo : sql`false`}`,
      hasNoNumber: sql<boolean>`${hasNoNumber}`,
    })
    .from(workspaces)
    .where(sql`${to ? sql`${claimsTo} or ` : sql``}${hasNoNumber} or ${workspaces.isDefault} = 'default'`)
    .orderBy(
      sql`case when ${workspaces.isDefault} = 'default' then 0 else 1 end`,
      asc(workspaces.createdAt),
      asc(workspaces.id),
    );
  const claiming = rows.filter((r) => r.claimsTo);
  const sharing = rows.filter((r) => r.hasNoNumber);
  const chosen =
    claiming.length > 0 ? claiming : sharing.length > 0 ? sharing : rows.filter((r) => r.isDefault === "default");
  return chosen.map((row) => ({
    id: row.id,
    name: row.name,
    defaultRegion: row.defaultRegion,
    isDefault: row.isDefault === "default",
    sms: readSmsSettings(row.settings),
  }));
}

export function readSmsSettings(settings: Record<string, unknown>): WorkspaceSmsSettings {
  const sms = settings.sms;
  if (!sms || typeof sms !== "object") return {};
  const { inboundNumbers, supportContact } = sms as Record<string, unknown>;
  return {
    inboundNumbers: Array.isArray(inboundNumbers)
      ? inboundNumbers.filter((n): n is string => typeof n === "string")
      : undefined,
    supportContact: typeof supportContact === "string" && supportContact.trim() ? supportContact.trim() : undefined,
  };
}

/** The support contact a HELP reply names: the workspace setting, else the public site. */
export function supportContactOf(workspace: InboundWorkspace): string {
  return workspace.sms.supportContact ?? getEnv().PUBLIC_URL;
}
