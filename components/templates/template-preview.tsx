"use client";

import * as React from "react";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { CircleAlertIcon, CircleCheckIcon, MonitorIcon, SmartphoneIcon, TriangleAlertIcon } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { useTRPC } from "@/components/providers/trpc-provider";
import type { Channel } from "@/server/shared/enums";
import type { TComplianceProblem, TRenderPreview } from "@/server/services/templates";

const SAMPLE = "sample";

/** "Preview as": the sample contact (declared sample values) or one of the workspace's contacts. */
export function PreviewContactPicker({
  value,
  onChange,
}: {
  value: string | null;
  onChange: (contactId: string | null) => void;
}) {
  const trpc = useTRPC();
  const contacts = useQuery(trpc.contacts.list.queryOptions({ limit: 25 }));
  const items = contacts.data?.items.filter((c) => !c.erased) ?? [];
  return (
    <Select value={value ?? SAMPLE} onValueChange={(v) => onChange(v === SAMPLE ? null : v)}>
      <SelectTrigger aria-label="Preview as" className="h-8 w-full min-w-0 sm:w-52" size="sm">
        <SelectValue />
      </SelectTrigger>
      <SelectContent>
        <SelectItem value={SAMPLE}>Sample data</SelectItem>
        {items.map((c) => (
          <SelectItem key={c.id} value={c.id}>
            {[c.firstName, c.lastName].filter(Boolean).join(" ") || c.email || c.phone || "Contact"}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  );
}

/** The rendered message: an email in a sandboxed frame under its envelope, or an SMS bubble. */
export function MessagePreview({
  channel,
  brand,
  preview,
  pending,
  frameTitle = "Email preview",
}: {
  channel: Channel;
  brand: string;
  preview: TRenderPreview | undefined;
  pending: boolean;
  frameTitle?: string;
}) {
  const [width, setWidth] = React.useState<"desktop" | "mobile">("desktop");
  if (channel === "sms") return <SmsPreview brand={brand} preview={preview} pending={pending} />;
  return (
    <div className="grid gap-2">
      <div className="flex items-center justify-end gap-1">
        {pending ? <Spinner className="mr-auto size-4 text-muted-foreground" /> : null}
        <div className="flex items-center gap-1 rounded-md border p-0.5" role="group" aria-label="Preview width">
          <Button
            type="button"
            size="icon-sm"
            variant={width === "desktop" ? "secondary" : "ghost"}
            aria-pressed={width === "desktop"}
            aria-label="Desktop width"
            onClick={() => setWidth("desktop")}
          >
            <MonitorIcon />
          </Button>
          <Button
            type="button"
            size="icon-sm"
            variant={width === "mobile" ? "secondary" : "ghost"}
            aria-pressed={width === "mobile"}
            aria-label="Phone width"
            onClick={() => setWidth("mobile")}
          >
            <SmartphoneIcon />
          </Button>
        </div>
      </div>
      <div className="overflow-hidden rounded-xl border bg-background">
        <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1 border-b px-4 py-3 text-sm">
          <dt className="text-muted-foreground">From</dt>
          <dd className="truncate font-medium">{preview?.from ?? brand}</dd>
          <dt className="text-muted-foreground">To</dt>
          <dd className="truncate">{preview?.contact.label ?? "Sample contact"}</dd>
          <dt className="text-muted-foreground">Subject</dt>
          <dd className="font-medium break-words" data-testid="preview-subject">
            {preview?.subject || <span className="font-normal text-muted-foreground italic">No subject</span>}
          </dd>
        </dl>
        <div className="bg-muted/40">
          {preview?.html ? (
            <iframe
              title={frameTitle}
              sandbox=""
              srcDoc={preview.html}
              className={cn(
                "mx-auto block h-[min(640px,calc(100vh-10rem))] min-h-[420px] w-full bg-[#f4f4f5] transition-[max-width]",
                width === "mobile" ? "max-w-[390px] border-x" : "max-w-full",
              )}
            />
          ) : (
            <div className="flex min-h-[420px] items-center justify-center p-6 text-center text-sm text-muted-foreground">
              {pending ? "Rendering…" : "Fix the problems listed to see the preview."}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

function SmsPreview({
  brand,
  preview,
  pending,
}: {
  brand: string;
  preview: TRenderPreview | undefined;
  pending: boolean;
}) {
  const sms = preview?.sms;
  return (
    <div className="grid gap-2">
      <div className="mx-auto w-full max-w-[340px] rounded-[2rem] border-4 border-foreground/80 bg-background p-3 shadow-sm">
        <div className="mx-auto mb-3 h-1.5 w-16 rounded-full bg-foreground/20" />
        <p className="text-center text-xs font-medium text-muted-foreground">{brand}</p>
        <p className="mb-4 text-center text-[11px] text-muted-foreground">
          Text message · to {preview?.contact.label ?? "Sample contact"}
        </p>
        <div className="min-h-[260px]">
          {preview?.text ? (
            <div
              className="max-w-[85%] rounded-2xl rounded-bl-sm bg-muted px-3.5 py-2 text-sm leading-relaxed break-words whitespace-pre-wrap"
              data-testid="sms-bubble"
            >
              {preview.text}
            </div>
          ) : (
            <p className="pt-16 text-center text-sm text-muted-foreground">
              {pending ? "Rendering…" : "Type a message to see it here."}
            </p>
          )}
        </div>
      </div>
      <p
        className="flex items-center justify-center gap-2 text-center text-xs text-muted-foreground"
        aria-live="polite"
      >
        {pending ? <Spinner className="size-3" /> : null}
        {sms
          ? `As sent: ${sms.units} ${sms.encoding === "GSM-7" ? "characters" : "UCS-2 units"}, ${sms.segments} segment${sms.segments === 1 ? "" : "s"} (${sms.encoding})`
          : null}
      </p>
    </div>
  );
}

/** Compliance and template problems, errors first; the note says what blocks what. */
export function ComplianceList({
  problems,
  checked,
  multiLocale,
}: {
  problems: TComplianceProblem[];
  checked: boolean;
  multiLocale: boolean;
}) {
  const errors = problems.filter((p) => p.severity === "error");
  const warnings = problems.filter((p) => p.severity === "warning");
  if (!checked) {
    return <p className="text-sm text-muted-foreground">Checking…</p>;
  }
  if (problems.length === 0) {
    return (
      <p className="flex items-center gap-2 text-sm text-success" data-testid="compliance-ok">
        <CircleCheckIcon className="size-4" />
        Passes the compliance check
      </p>
    );
  }
  return (
    <ul className="grid gap-2" data-testid="compliance-problems">
      {[...errors, ...warnings].map((p, i) => (
        <li
          key={`${p.code}-${p.locale}-${i}`}
          className={cn(
            "flex items-start gap-2 rounded-md border p-2.5 text-sm",
            p.severity === "error" ? "border-destructive/30 bg-destructive/5" : "border-warning/30 bg-warning/5",
          )}
        >
          {p.severity === "error" ? (
            <CircleAlertIcon className="mt-0.5 size-4 shrink-0 text-destructive" />
          ) : (
            <TriangleAlertIcon className="mt-0.5 size-4 shrink-0 text-warning" />
          )}
          <span className="min-w-0 break-words">
            {multiLocale && p.locale ? (
              <Badge variant="muted" className="mr-1.5 align-middle">
                {p.locale}
              </Badge>
            ) : null}
            {p.message}
            {p.code === "postal_address_missing" ? (
              <span className="block text-xs text-muted-foreground">
                You can save this template.{" "}
                <Link href="/settings" className="font-medium text-foreground underline underline-offset-2">
                  Set the postal address
                </Link>
              </span>
            ) : null}
          </span>
        </li>
      ))}
    </ul>
  );
}
