"use client";

import * as React from "react";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { cn } from "@/components/ui/cn";
import { EmailFrame } from "./email-frame";

/** Headers worth showing with an email (the unsubscribe ones matter for compliance). */
const SHOWN_HEADERS = ["List-Unsubscribe", "List-Unsubscribe-Post"];

/**
 * An email as its recipient gets it: From, To, Subject and the unsubscribe headers, then the HTML
 * part (sandboxed) and the plain-text part in tabs.
 */
export function EmailPreview({
  from,
  to,
  subject,
  html,
  text,
  headers,
  className,
}: {
  from: string | null;
  to: string | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  className?: string;
}) {
  const shownHeaders = SHOWN_HEADERS.filter((name) => headers[name]).map((name) => [name, headers[name]!] as const);
  return (
    <div className={cn("grid gap-3", className)} data-testid="email-preview">
      <div className="rounded-lg border bg-muted/30 px-3.5 py-3 text-sm">
        <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1.5">
          <dt className="text-muted-foreground">From</dt>
          <dd className="min-w-0 break-words">{from ?? "—"}</dd>
          <dt className="text-muted-foreground">To</dt>
          <dd className="min-w-0 break-words" data-testid="email-to">
            {to ?? "—"}
          </dd>
          <dt className="text-muted-foreground">Subject</dt>
          <dd className="min-w-0 font-medium break-words" data-testid="email-subject">
            {subject ?? <span className="font-normal text-muted-foreground">(no subject)</span>}
          </dd>
        </dl>
        {shownHeaders.length ? (
          <dl className="mt-2.5 grid gap-1.5 border-t pt-2.5 sm:grid-cols-[auto_minmax(0,1fr)] sm:gap-x-3">
            {shownHeaders.map(([name, value]) => (
              <React.Fragment key={name}>
                <dt className="font-mono text-xs leading-5 text-muted-foreground">{name}</dt>
                <dd
                  className="-mt-1 min-w-0 font-mono text-xs leading-5 break-all sm:mt-0"
                  data-testid="email-header"
                  data-header={name}
                >
                  {value}
                </dd>
              </React.Fragment>
            ))}
          </dl>
        ) : null}
      </div>
      {html ? (
        <Tabs defaultValue="html">
          <TabsList>
            <TabsTrigger value="html">HTML</TabsTrigger>
            <TabsTrigger value="text" disabled={!text}>
              Plain text
            </TabsTrigger>
          </TabsList>
          <TabsContent value="html">
            <EmailFrame html={html} title={`Email: ${subject ?? "no subject"}`} />
          </TabsContent>
          <TabsContent value="text">
            <PlainText text={text ?? ""} />
          </TabsContent>
        </Tabs>
      ) : (
        <PlainText text={text ?? ""} />
      )}
    </div>
  );
}

function PlainText({ text }: { text: string }) {
  return (
    <pre
      className="max-h-[32rem] overflow-auto rounded-md border bg-background p-4 font-mono text-[13px] leading-relaxed break-words whitespace-pre-wrap"
      data-testid="email-text"
    >
      {text || <span className="text-muted-foreground">(no plain-text part)</span>}
    </pre>
  );
}
