import type { Metadata } from "next";
import { headers } from "next/headers";
import { cache } from "react";

import { hostedBrand } from "@/components/hosted/theme";
import { LinkPageShell } from "@/components/preferences/link-page-shell";
import { openLinkContext } from "@/server/lib/link-request";
import { getLinkBrand } from "@/server/services/preferences";

type Params = { params: Promise<{ token: string }> };

/** The brand of the link's workspace, once per request (the metadata and the frame both need it). */
const brandOf = cache(async (token: string) =>
  hostedBrand(await getLinkBrand({ ctx: await openLinkContext(), input: { purpose: "unsubscribe", token } })),
);

// The token is a bearer credential: never leak it to another site through Referer, never index it.
export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { token } = await params;
  return {
    title: { absolute: `Unsubscribe · ${(await brandOf(token)).name}` },
    robots: { index: false, follow: false },
    referrer: "no-referrer",
  };
}

/**
 * The frame of `/u/{token}`, in the brand of the link's workspace. It wraps the page and its
 * not-found state alike, so a link that no longer works still shows whose it was.
 */
export default async function UnsubscribeLayout({ children, params }: Params & { children: React.ReactNode }) {
  const { token } = await params;
  const [brand, requestHeaders] = await Promise.all([brandOf(token), headers()]);
  return (
    <LinkPageShell brand={brand} nonce={requestHeaders.get("x-nonce") ?? undefined}>
      {children}
    </LinkPageShell>
  );
}
