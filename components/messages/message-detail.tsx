"use client";

import * as React from "react";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import {
  ArrowDownLeftIcon,
  ArrowUpRightIcon,
  BanIcon,
  CheckIcon,
  ChevronRightIcon,
  FileTextIcon,
  GitBranchIcon,
  ShieldAlertIcon,
  ShieldCheckIcon,
  ShieldIcon,
  TriangleAlertIcon,
} from "lucide-react";
import { BackLink } from "@/components/ui/back-link";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { CopyButton } from "@/components/ui/copy-button";
import { EmptyState } from "@/components/ui/empty-state";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError } from "@/components/settings/table-states";
import {
  ACTION_LABELS,
  CHANNEL_META,
  displayName,
  EVIDENCE_LABELS,
  formatPhone,
  formatWhen,
  SOURCE_LABELS,
  type Channel,
} from "@/components/contacts/labels";
import { AWAITING_DELIVERY_STATUSES, DELIVERY_PROBLEM_STATUSES, isStatusIn } from "@/server/shared/enums";
import { EmailPreview } from "./email-preview";
import {
  detailEntries,
  detailLabel,
  EVENT_META,
  EVENT_SOURCE_LABELS,
  formatPrecise,
  purposeLabel,
  reasonLabel,
  recipientPhrase,
  recipientRoleWord,
  relationLabel,
  statusMeta,
  TONE_CLASSES,
  TRANSPORT_LABELS,
} from "./labels";
import { MessageActions } from "./message-actions";
import { MessageStatusBadge } from "./message-status-badge";
import { SmsBubble } from "./sms-bubble";
import type { MessageDetail } from "./types";

/**
 * One message: what was sent (or received) and to whom, its timeline with provider detail, the
 * consent proof the send relied on, linked messages, and retry / resend for marketers and up.
 */
export function MessageDetailView({ id, initial, canAct }: { id: string; initial: MessageDetail; canAct: boolean }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.messageHistory.detail.queryOptions({ id }, { initialData: initial }));
  const data = detail.data;
  const { message } = data;
  const channel = CHANNEL_META[message.channel as Channel];
  const inbound = message.direction === "inbound";
  const address = message.channel === "sms" ? formatPhone(message.address) : message.address;
  const title =
    data.content?.subject ??
    (inbound
      ? `${channel.label} from ${address ?? "an unknown number"}`
      : recipientPhrase(channel.label, message.kind, message.purpose, address));
  const why = reasonLabel(message.reason);
  const member = message.kind === "system";
  const what = purposeLabel(message.purpose);
  /** Blocked before rendering: there is no content to show, only the reason. */
  const notSent = message.status === "blocked" && !data.content?.html && !data.content?.text;
  const unsentYet = message.status === "queued" || message.status === "deferred";

  return (
    <div className="grid gap-6">
      <div className="grid gap-4">
        <BackLink href="/messages" className="text-sm text-muted-foreground">
          Messages
        </BackLink>
        <div className="flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
          <div className="flex min-w-0 items-start gap-4">
            <span
              className={cn(
                "relative flex size-12 shrink-0 items-center justify-center rounded-xl ring-1 ring-inset",
                inbound ? "bg-muted text-muted-foreground ring-border" : "bg-primary/10 text-primary ring-primary/15",
              )}
            >
              <channel.icon className="size-5" aria-hidden />
              {inbound ? (
                <ArrowDownLeftIcon
                  className="absolute -right-1 -bottom-1 size-4 rounded-full bg-background p-px ring-1 ring-border"
                  aria-hidden
                />
              ) : (
                <ArrowUpRightIcon
                  className="absolute -right-1 -bottom-1 size-4 rounded-full bg-background p-px ring-1 ring-border"
                  aria-hidden
                />
              )}
            </span>
            <div className="grid min-w-0 gap-1.5">
              <h1 className="text-xl font-semibold tracking-tight break-words sm:text-2xl" data-testid="message-title">
                {title}
              </h1>
              <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-muted-foreground">
                <MessageStatusBadge status={message.status} reason={message.reason} showReason />
                <span>
                  {inbound ? "Inbound" : "Outbound"} {message.channel === "sms" ? "SMS" : "email"}
                  {member
                    ? message.purpose === "invitation"
                      ? " to someone invited to the workspace"
                      : " to a workspace member"
                    : ""}
                  {what ? ` · ${what}` : ""}
                  {message.topicName ? ` · ${message.topicName}` : ""}
                  {message.kind === "transactional" ? " (transactional)" : ""}
                </span>
                <span aria-hidden>·</span>
                <time dateTime={new Date(message.createdAt).toISOString()}>{formatWhen(message.createdAt)}</time>
                {data.masked ? (
                  <Badge variant="muted">
                    <ShieldIcon /> Masked
                  </Badge>
                ) : null}
              </div>
            </div>
          </div>
          {canAct ? (
            <MessageActions
              messageId={message.id}
              canRetry={data.can.retry}
              canResend={data.can.resend}
              channelLabel={message.channel === "sms" ? "SMS" : "email"}
              recipient={address}
            />
          ) : null}
        </div>
      </div>

      {detail.isError ? <LoadError message={errorMessage(detail.error)} onRetry={() => void detail.refetch()} /> : null}

      {message.status === "blocked" ? (
        <Alert variant="destructive" data-testid="blocked-alert">
          <BanIcon />
          <AlertTitle>Not sent{why ? `: ${why}` : " — blocked by the consent policy"}</AlertTitle>
          <AlertDescription>
            The consent policy refused this message before it was rendered. It was recorded here, with the consent it
            checked, and never reached a provider.
          </AlertDescription>
        </Alert>
      ) : isStatusIn(DELIVERY_PROBLEM_STATUSES, message.status) ? (
        <Alert variant="destructive">
          <TriangleAlertIcon />
          <AlertTitle>
            {statusMeta(message.status).label}
            {why ? `: ${why}` : ""}
          </AlertTitle>
          <AlertDescription>
            {message.lastError ?? statusMeta(message.status).description}.
            {data.can.retry && canAct ? " Retry sends it again as a new message, after checking consent again." : ""}
          </AlertDescription>
        </Alert>
      ) : message.status === "deferred" && message.nextAttemptAt ? (
        <Alert>
          <TriangleAlertIcon />
          <AlertTitle>Deferred until {formatWhen(message.nextAttemptAt)}</AlertTitle>
          <AlertDescription>Quiet hours apply to this recipient; the message goes out when they end.</AlertDescription>
        </Alert>
      ) : null}

      <div className="grid items-start gap-6 lg:grid-cols-3">
        <div className="grid min-w-0 gap-6 lg:col-span-2">
          <Card className="gap-4">
            <CardHeader>
              <CardTitle>
                {inbound
                  ? "Message received"
                  : notSent
                    ? "Message not sent"
                    : unsentYet
                      ? "Message to be sent"
                      : "Message as sent"}
              </CardTitle>
              <CardDescription>
                {notSent
                  ? "Nothing was rendered or handed to a provider."
                  : message.channel === "email"
                    ? "Exactly what the recipient's mail client shows."
                    : "Exactly what the phone shows."}
              </CardDescription>
            </CardHeader>
            <CardContent>
              {notSent ? (
                <EmptyState
                  className="py-10"
                  icon={BanIcon}
                  title={why ? `Blocked: ${why}` : "Blocked by the consent policy"}
                  description="The consent check below shows what was checked and why it refused."
                />
              ) : data.content === null ? (
                <EmptyState
                  className="py-10"
                  icon={ShieldIcon}
                  title="Content is hidden for your role"
                  description={
                    member
                      ? "Invitations and sign-in links act for the member they were sent to: only admins and owners at or above that member's role can read them."
                      : "Message bodies are personal data. Marketers, admins and owners can read them."
                  }
                />
              ) : message.channel === "email" ? (
                <EmailPreview
                  from={message.fromAddress}
                  to={message.address}
                  subject={data.content.subject}
                  html={data.content.html}
                  text={data.content.text}
                  headers={message.headers}
                />
              ) : (
                <SmsBubble
                  text={data.content.text ?? ""}
                  direction={message.direction as "outbound" | "inbound"}
                  party={address}
                  segments={message.segments}
                  at={formatWhen(message.sentAt ?? message.createdAt)}
                />
              )}
            </CardContent>
          </Card>

          <ConsentProof data={data} />
        </div>

        <div className="grid min-w-0 gap-6">
          <Card className="gap-0 py-0">
            <CardHeader className="border-b py-4 [.border-b]:pb-4">
              <CardTitle>Timeline</CardTitle>
              <CardDescription>Every step, oldest first, with what the provider reported.</CardDescription>
            </CardHeader>
            <Timeline data={data} />
          </Card>

          <Card className="gap-4">
            <CardHeader>
              <CardTitle>Details</CardTitle>
            </CardHeader>
            <CardContent>
              <dl
                className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-2.5 text-sm"
                data-testid="message-details"
              >
                <Row
                  label={inbound ? "From" : member ? `To ${recipientRoleWord(message.kind, message.purpose)}` : "To"}
                  value={address}
                  mono={message.channel === "sms"}
                />
                <Row label="Sent as" value={what} />
                <Row
                  label="Contact"
                  value={
                    data.contact ? (
                      <Link href={`/contacts/${data.contact.id}`} className="font-medium text-primary hover:underline">
                        {displayName(data.contact)}
                      </Link>
                    ) : inbound ? (
                      "Unknown sender"
                    ) : member ? (
                      "None: members are not contacts"
                    ) : null
                  }
                />
                {!inbound ? <Row label="From" value={message.fromAddress} /> : null}
                <Row
                  label="Topic"
                  value={message.topicName ? `${message.topicName} (${message.topic})` : message.topic}
                />
                <Row
                  label="Template"
                  value={
                    message.templateName
                      ? `${message.templateName}${message.templateVersion ? ` · v${message.templateVersion}` : ""}`
                      : message.templateId
                        ? "Deleted template"
                        : inbound
                          ? null
                          : "Inline content"
                  }
                />
                <Row label="Locale" value={message.locale} />
                <Row
                  label="Transport"
                  value={message.transport ? (TRANSPORT_LABELS[message.transport] ?? message.transport) : null}
                />
                <Row label="Provider ID" value={message.providerMessageId} mono copy />
                {message.channel === "sms" ? (
                  <Row label="Segments" value={message.segments?.toString() ?? null} />
                ) : null}
                {!inbound ? <Row label="Attempts" value={message.attempts.toString()} /> : null}
                <Row label="Campaign" value={message.campaignId} mono />
                {message.openedAt ? <Row label="First opened" value={formatWhen(message.openedAt)} /> : null}
                {message.clickedAt ? <Row label="First clicked" value={formatWhen(message.clickedAt)} /> : null}
                {message.repliedAt ? <Row label="Replied" value={formatWhen(message.repliedAt)} /> : null}
                <Row label="Batch" value={message.batchId} mono />
                <Row label="Message ID" value={message.id} mono copy />
              </dl>
            </CardContent>
          </Card>

          <Relations data={data} />
        </div>
      </div>
    </div>
  );
}

function Row({ label, value, mono, copy }: { label: string; value: React.ReactNode; mono?: boolean; copy?: boolean }) {
  if (value === null || value === undefined || value === "") return null;
  return (
    <>
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="flex min-w-0 items-center gap-1">
        <span className={cn("min-w-0 break-words", mono && "font-mono text-xs break-all")}>{value}</span>
        {copy && typeof value === "string" ? (
          <CopyButton
            value={value}
            srLabel={`Copy ${label.toLowerCase()}`}
            variant="ghost"
            className="-my-1 size-6 shrink-0 text-muted-foreground"
          />
        ) : null}
      </dd>
    </>
  );
}

type Step = {
  key: string;
  status: string;
  at: Date | string;
  source: string;
  detail: Record<string, unknown> | null;
  late: boolean;
};

/** Events oldest first; the decision as the first step when the pipeline did not record it as an event. */
function stepsOf(data: MessageDetail): Step[] {
  const steps: Step[] = data.events.map((e, i) => ({
    key: `${i}-${e.status}`,
    status: e.status,
    at: e.at,
    source: e.source,
    detail: e.detail,
    late: e.detail?.applied === false,
  }));
  if (data.decision && !steps.some((s) => s.status === "decided")) {
    const checks =
      data.decision.outcome === "block" ? { outcome: "blocked", reason: data.decision.reason } : { outcome: "allowed" };
    steps.unshift({
      key: "decided",
      status: "decided",
      at: data.decision.decidedAt,
      source: "pipeline",
      detail: checks,
      late: false,
    });
  }
  return steps;
}

function Timeline({ data }: { data: MessageDetail }) {
  const steps = stepsOf(data);
  if (steps.length === 0) {
    return (
      <EmptyState
        bare
        className="py-10"
        title="No events yet"
        description="Steps appear here as the message moves through the pipeline."
      />
    );
  }
  const next =
    data.message.nextAttemptAt && isStatusIn(AWAITING_DELIVERY_STATUSES, data.message.status)
      ? data.message.nextAttemptAt
      : null;
  return (
    <ol className="grid px-4 py-4 sm:px-6" data-testid="message-timeline">
      {steps.map((step, index) => {
        const meta = EVENT_META[step.status] ?? { label: step.status, icon: ChevronRightIcon, tone: "muted" as const };
        const entries = detailEntries(step.detail);
        const isLast = index === steps.length - 1 && !next;
        return (
          <li
            key={step.key}
            className="relative flex gap-3 pb-5 last:pb-0"
            data-testid="timeline-step"
            data-status={step.status}
          >
            {!isLast ? <span aria-hidden className="absolute top-8 bottom-0 left-[15px] w-px bg-border" /> : null}
            <span
              className={cn(
                "relative flex size-8 shrink-0 items-center justify-center rounded-full ring-1 ring-inset",
                TONE_CLASSES[meta.tone],
              )}
            >
              <meta.icon className="size-3.5" aria-hidden />
            </span>
            <div className="grid min-w-0 flex-1 gap-0.5 pt-1">
              <p className="text-sm font-medium">
                {meta.label}
                {step.late ? (
                  <span className="font-normal text-muted-foreground"> (arrived late, status kept)</span>
                ) : null}
              </p>
              <p className="text-xs text-muted-foreground">
                <time dateTime={new Date(step.at).toISOString()}>{formatPrecise(step.at)}</time> ·{" "}
                {EVENT_SOURCE_LABELS[step.source] ?? step.source}
              </p>
              {entries.length ? (
                <dl className="mt-1 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5 rounded-md border bg-muted/30 px-2.5 py-1.5 text-xs">
                  {entries.map(([key, value]) => (
                    <React.Fragment key={key}>
                      <dt className="text-muted-foreground">{detailLabel(key)}</dt>
                      <dd className="min-w-0 font-mono text-[11px] leading-4 break-all">
                        {key === "reason" ? (reasonLabel(value) ?? value) : value}
                      </dd>
                    </React.Fragment>
                  ))}
                </dl>
              ) : null}
            </div>
          </li>
        );
      })}
      {next ? (
        <li className="relative flex gap-3" data-testid="timeline-next">
          <span className="relative flex size-8 shrink-0 items-center justify-center rounded-full border border-dashed text-muted-foreground">
            <ChevronRightIcon className="size-3.5" aria-hidden />
          </span>
          <div className="grid gap-0.5 pt-1">
            <p className="text-sm font-medium">Next attempt</p>
            <p className="text-xs text-muted-foreground">{formatPrecise(next)}</p>
          </div>
        </li>
      ) : null}
    </ol>
  );
}

/** The per-message consent proof: the decision, the checks that ran, and the ledger event relied on. */
function ConsentProof({ data }: { data: MessageDetail }) {
  const { decision, consentEvent, message } = data;
  const inbound = message.direction === "inbound";
  return (
    <Card className="gap-4" data-testid="consent-proof">
      <CardHeader>
        <CardTitle>Consent proof</CardTitle>
        <CardDescription>
          Why this message was allowed or refused, decided under the contact&apos;s consent lock before anything was
          sent.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {inbound ? (
          <p className="text-sm text-muted-foreground">
            Messages received from contacts need no consent. Keywords such as STOP or START change consent and appear in
            the contact&apos;s consent history.
          </p>
        ) : message.kind === "system" ? (
          <p className="text-sm text-muted-foreground">
            A message to a workspace member ({purposeLabel(message.purpose)?.toLowerCase() ?? "system message"}):
            members are not contacts, so no consent and no contact suppression list apply.
          </p>
        ) : !decision ? (
          <p className="text-sm text-muted-foreground">No decision was stored with this message.</p>
        ) : (
          <>
            <div
              className={cn(
                "flex items-start gap-3 rounded-lg border p-3",
                decision.outcome === "send"
                  ? "border-success/25 bg-success/5"
                  : "border-destructive/25 bg-destructive/5",
              )}
            >
              {decision.outcome === "send" ? (
                <ShieldCheckIcon className="mt-0.5 size-5 shrink-0 text-success" aria-hidden />
              ) : (
                <ShieldAlertIcon className="mt-0.5 size-5 shrink-0 text-destructive" aria-hidden />
              )}
              <div className="grid gap-0.5 text-sm">
                <p className="font-medium" data-testid="decision-outcome">
                  {decision.outcome === "send"
                    ? "Allowed to send"
                    : `Blocked: ${reasonLabel(decision.reason) ?? "refused"}`}
                </p>
                <p className="text-xs text-muted-foreground">
                  Decided {formatPrecise(decision.decidedAt)} · policy{" "}
                  <span className="font-mono">{decision.policyVersion}</span>
                  {decision.retryAt ? ` · allowed again from ${formatWhen(decision.retryAt)}` : ""}
                </p>
              </div>
            </div>
            {decision.checks.length ? (
              <div className="grid gap-1.5">
                <p className="text-xs font-medium text-muted-foreground">Checks, in order</p>
                <ul className="grid gap-1" data-testid="decision-checks">
                  {decision.checks.map((check, i) => {
                    const failed = decision.outcome === "block" && i === decision.checks.length - 1;
                    return (
                      <li key={`${i}-${check}`} className="flex items-start gap-2 text-sm">
                        {failed ? (
                          <BanIcon className="mt-0.5 size-3.5 shrink-0 text-destructive" aria-hidden />
                        ) : (
                          <CheckIcon className="mt-0.5 size-3.5 shrink-0 text-success" aria-hidden />
                        )}
                        <span className="font-mono text-xs leading-5 break-words">{check}</span>
                      </li>
                    );
                  })}
                </ul>
              </div>
            ) : null}
          </>
        )}

        {consentEvent ? (
          <div className="grid gap-2 rounded-lg border p-3" data-testid="consent-event">
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <span className="font-medium">
                {consentEvent.action === "opted_in" && consentEvent.needsConfirmation
                  ? "Opt-in awaiting confirmation"
                  : (ACTION_LABELS[consentEvent.action] ?? consentEvent.action)}{" "}
                · {consentEvent.topicName}
                <span className="font-normal text-muted-foreground">
                  {" "}
                  on {CHANNEL_META[consentEvent.channel as Channel].label}
                </span>
              </span>
              <Badge variant="outline" className="font-normal">
                {SOURCE_LABELS[consentEvent.source] ?? consentEvent.source}
              </Badge>
            </div>
            <dl className="grid gap-x-4 gap-y-1.5 text-xs sm:grid-cols-[auto_1fr]">
              <dt className="text-muted-foreground">Occurred</dt>
              <dd>{formatWhen(consentEvent.occurredAt)}</dd>
              <dt className="text-muted-foreground">Recorded</dt>
              <dd>{formatWhen(consentEvent.recordedAt)}</dd>
              {Object.entries(consentEvent.evidence)
                .filter(([key]) => key !== "textHash")
                .map(([key, value]) => (
                  <React.Fragment key={key}>
                    <dt className="text-muted-foreground">{EVIDENCE_LABELS[key] ?? key}</dt>
                    <dd className="min-w-0 break-words">{value}</dd>
                  </React.Fragment>
                ))}
              {consentEvent.consentText ? (
                <>
                  <dt className="flex items-start gap-1 text-muted-foreground">
                    <FileTextIcon className="mt-0.5 size-3" aria-hidden /> Consent text
                  </dt>
                  <dd>
                    <blockquote className="rounded-md border bg-muted/30 px-3 py-2 text-[13px] leading-relaxed whitespace-pre-wrap">
                      {consentEvent.consentText}
                    </blockquote>
                  </dd>
                </>
              ) : null}
              <dt className="text-muted-foreground">Ledger event</dt>
              <dd className="font-mono text-[11px] break-all">{consentEvent.id}</dd>
            </dl>
            {message.contactId ? (
              <Link
                href={`/contacts/${message.contactId}`}
                className="w-fit text-xs font-medium text-primary hover:underline"
              >
                Full consent history of this contact
              </Link>
            ) : null}
          </div>
        ) : message.kind === "system" ? null : decision &&
          decision.outcome === "send" &&
          message.purpose === "double_opt_in" ? (
          <p className="text-sm text-muted-foreground">
            Double opt-in confirmation: it asks for consent, so it needs none; the suppression list still applies.
          </p>
        ) : decision && decision.outcome === "send" && message.kind === "transactional" ? (
          <p className="text-sm text-muted-foreground">
            Transactional message: sent without a marketing opt-in, as the topic allows.
          </p>
        ) : decision && !inbound ? (
          <p className="text-sm text-muted-foreground">No consent event was relied on for this decision.</p>
        ) : null}
      </CardContent>
    </Card>
  );
}

function Relations({ data }: { data: MessageDetail }) {
  if (!data.parent && data.children.length === 0) return null;
  const rows = [
    ...(data.parent ? [{ ...data.parent, label: relationLabel(data.parent.relation, "parent") }] : []),
    ...data.children.map((child) => ({ ...child, label: relationLabel(child.relation, "child") })),
  ];
  return (
    <Card className="gap-0 py-0">
      <CardHeader className="border-b py-4 [.border-b]:pb-4">
        <CardTitle className="flex items-center gap-2">
          <GitBranchIcon className="size-4 text-muted-foreground" aria-hidden />
          Related messages
        </CardTitle>
      </CardHeader>
      <ul className="divide-y" data-testid="message-relations">
        {rows.map((row) => {
          const Icon = CHANNEL_META[row.channel as Channel].icon;
          return (
            <li key={row.id}>
              <Link
                href={`/messages/${row.id}`}
                className="flex items-center gap-3 px-4 py-3 text-sm outline-none hover:bg-muted/40 focus-visible:bg-muted/40 sm:px-6"
                data-testid="related-message"
              >
                <Icon className="size-4 shrink-0 text-muted-foreground" aria-hidden />
                <div className="grid min-w-0 flex-1 gap-0.5">
                  <span className="font-medium">{row.label}</span>
                  <span className="text-xs text-muted-foreground">{formatWhen(row.createdAt)}</span>
                </div>
                <MessageStatusBadge status={row.status} />
                <ChevronRightIcon className="size-4 shrink-0 text-muted-foreground" aria-hidden />
              </Link>
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
