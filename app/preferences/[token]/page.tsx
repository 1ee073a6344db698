import { headers } from "next/headers";
import { notFound } from "next/navigation";

import { PreferenceCenter } from "@/components/preferences/preference-center";
import { AppError } from "@/server/lib/errors";
import { openLinkContext } from "@/server/lib/link-request";
import { getPreferences } from "@/server/services/preferences";
import { savePreferencesAction } from "./actions";

export const dynamic = "force-dynamic";

/**
 * `GET /preferences/{token}`: the hosted preference center. Reading changes nothing; saving is a
 * Server Action. The frame (brand, footer) is the segment's layout; a link that does not work
 * (expired, altered) renders the segment's not-found page with status 404.
 */
export default async function PreferencesPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  let preferences;
  try {
    preferences = await getPreferences({ ctx: await openLinkContext(await headers()), input: { token } });
  } catch (error) {
    if (error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "INVALID")) notFound();
    throw error;
  }
  return <PreferenceCenter token={token} initial={preferences} action={savePreferencesAction} />;
}
