import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";

import { LinkPageShell } from "@/components/preferences/link-page-shell";
import { PreferenceCenter } from "@/components/preferences/preference-center";
import { AppError } from "@/server/lib/errors";
import { openLinkContext } from "@/server/lib/link-request";
import { getPreferences } from "@/server/services/preferences";
import { savePreferencesAction } from "./actions";

export const dynamic = "force-dynamic";
// The token is a bearer credential: never leak it to another site through Referer, never index it.
export const metadata: Metadata = {
  title: "Your preferences",
  robots: { index: false, follow: false },
  referrer: "no-referrer",
};

/** `GET /preferences/{token}`: the hosted preference center. Reading changes nothing; saving is a Server Action. */
export default async function PreferencesPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  let preferences;
  try {
    preferences = await getPreferences({ ctx: await openLinkContext(await headers()), input: { token } });
  } catch (error) {
    if (error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "INVALID")) notFound();
    throw error;
  }
  return (
    <LinkPageShell workspaceName={preferences.workspaceName} width="wide">
      <PreferenceCenter token={token} initial={preferences} action={savePreferencesAction} />
    </LinkPageShell>
  );
}
