import { notFound } from "next/navigation";
import { headers } from "next/headers";
import { CheckIcon, MailMinusIcon, MessageSquareOffIcon } from "lucide-react";

import { CHANNEL_LABEL, CHANNEL_NOUN, LinkCard } from "@/components/preferences/link-page-shell";
import { LeavingReasonForm, UnsubscribeButtonForm } from "@/components/preferences/unsubscribe-forms";
import { Button } from "@/components/ui/button";
import { AppError } from "@/server/lib/errors";
import { openLinkContext } from "@/server/lib/link-request";
import { getUnsubscribeContext, type UnsubscribeContext } from "@/server/services/preferences";

export const dynamic = "force-dynamic";

async function load(token: string): Promise<UnsubscribeContext> {
  try {
    return await getUnsubscribeContext({ ctx: await openLinkContext(await headers()), input: { token } });
  } catch (error) {
    // A link that does not work: the segment's not-found page (404), in the workspace's brand when the token names one.
    if (error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "INVALID")) notFound();
    throw error;
  }
}

/**
 * `GET /u/{token}`: what the contact is unsubscribing from and one button. Reading never changes
 * state (mail scanners prefetch links); the button POSTs to this same URL (see proxy.ts). The frame
 * (brand, footer) is the segment's layout. Links to the preference center are plain anchors: the
 * token page is loaded whole, never prefetched.
 */
export default async function UnsubscribePage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [{ token }, query] = await Promise.all([params, searchParams]);
  const context = await load(token);
  const { workspaceName, topic, channel, maskedAddress, status } = context;
  const noun = CHANNEL_NOUN[channel];
  const preferencesHref = `/preferences/${context.preferencesToken}`;

  if (status !== "opted_out") {
    const Icon = channel === "sms" ? MessageSquareOffIcon : MailMinusIcon;
    return (
      <LinkCard>
        <div className="px-6 pt-8 pb-6 text-center sm:px-8">
          <div className="mx-auto mb-5 flex size-12 items-center justify-center rounded-full bg-muted text-muted-foreground">
            <Icon className="size-6" aria-hidden />
          </div>
          <h1 className="text-xl font-semibold tracking-tight text-balance">Unsubscribe from {topic.name}?</h1>
          <p className="mt-2 text-sm text-pretty text-muted-foreground">
            {workspaceName} will stop sending {topic.name} {noun}
            {maskedAddress ? (
              <>
                {" "}
                to <span className="font-medium text-foreground">{maskedAddress}</span>
              </>
            ) : null}
            .
          </p>
        </div>
        <dl className="mx-6 mb-6 grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 rounded-lg border bg-muted/40 px-4 py-3 text-sm sm:mx-8">
          <dt className="text-muted-foreground">Topic</dt>
          <dd className="min-w-0 font-medium" data-testid="unsubscribe-topic">
            {topic.name}
            {topic.description ? (
              <span className="mt-0.5 block font-normal text-pretty text-muted-foreground">{topic.description}</span>
            ) : null}
          </dd>
          <dt className="text-muted-foreground">Channel</dt>
          <dd className="font-medium" data-testid="unsubscribe-channel">
            {CHANNEL_LABEL[channel]}
          </dd>
        </dl>
        <div className="px-6 pb-8 sm:px-8">
          <UnsubscribeButtonForm token={token} />
        </div>
        <div className="border-t bg-muted/40 px-6 py-4 text-center text-sm text-muted-foreground sm:px-8">
          Only want fewer messages?{" "}
          <a href={preferencesHref} className="font-medium text-primary underline-offset-4 hover:underline">
            Manage your preferences
          </a>
        </div>
      </LinkCard>
    );
  }

  const isFeedbackSent = query.feedback === "sent";
  return (
    <LinkCard>
      <div className="px-6 pt-8 pb-6 text-center sm:px-8" role="status">
        <div className="mx-auto mb-5 flex size-12 items-center justify-center rounded-full bg-success/10 text-success">
          <CheckIcon className="size-6" aria-hidden />
        </div>
        <h1 className="text-xl font-semibold tracking-tight text-balance">You’re unsubscribed</h1>
        <p className="mt-2 text-sm text-pretty text-muted-foreground" data-testid="unsubscribe-confirmation">
          You won't get {topic.name} {noun}
          {maskedAddress ? (
            <>
              {" "}
              at <span className="font-medium text-foreground">{maskedAddress}</span>
            </>
          ) : null}{" "}
          any more.
        </p>
        <Button asChild variant="outline" className="mt-6 w-full">
          <a href={preferencesHref}>Manage your preferences</a>
        </Button>
      </div>
      <div className="border-t bg-muted/40 px-6 py-6 sm:px-8">
        {isFeedbackSent ? (
          <p className="text-center text-sm text-muted-foreground" role="status">
            Thank you for telling us. It helps {workspaceName} send better messages.
          </p>
        ) : (
          <LeavingReasonForm token={token} />
        )}
      </div>
    </LinkCard>
  );
}
