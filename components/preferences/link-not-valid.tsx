import { LinkIcon, MailIcon, MessageSquareIcon } from "lucide-react";

import { LinkCard } from "./link-page-shell";

const INTRO = {
  unsubscribe: "The link may have been cut short when it was copied, or it no longer matches our records.",
  preferences:
    "Preference links work for a limited time, and this one has expired or was cut short when it was copied.",
} as const;

/**
 * What an unsubscribe or preference link that does not work shows (inside the link page's shell,
 * with status 404): that nothing changed, and how to unsubscribe anyway.
 */
export function LinkNotValid({ kind }: { kind: keyof typeof INTRO }) {
  return (
    <div className="mx-auto w-full max-w-[440px]">
      <LinkCard>
        <div className="px-6 pt-8 pb-6 sm:px-8">
          <div className="mb-5 flex size-12 items-center justify-center rounded-full bg-muted text-muted-foreground">
            <LinkIcon className="size-6" aria-hidden />
          </div>
          <h1 className="text-xl font-semibold tracking-tight text-balance">This link is not valid</h1>
          <p className="mt-2 text-sm text-pretty text-muted-foreground">{INTRO[kind]} Nothing was changed.</p>
        </div>
        <div className="border-t bg-muted/40 px-6 py-6 sm:px-8">
          <h2 className="text-sm font-semibold">To unsubscribe anyway</h2>
          <ul className="mt-3 grid gap-3 text-sm text-pretty">
            <li className="flex gap-3">
              <MessageSquareIcon className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden />
              <span>
                <span className="font-medium">Text messages:</span> reply <strong>STOP</strong> to any text you got from
                us.
              </span>
            </li>
            <li className="flex gap-3">
              <MailIcon className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden />
              <span>
                <span className="font-medium">Emails:</span> use the unsubscribe link at the bottom of any newer email
                from us. It works without signing in.
              </span>
            </li>
          </ul>
        </div>
      </LinkCard>
    </div>
  );
}
