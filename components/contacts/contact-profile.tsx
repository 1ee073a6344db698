"use client";

import * as React from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import {
  CheckCircle2Icon,
  CircleSlashIcon,
  EyeIcon,
  EyeOffIcon,
  PencilIcon,
  PlusIcon,
  SendIcon,
  ShieldIcon,
  ShieldOffIcon,
} from "lucide-react";
import { BackLink } from "@/components/ui/back-link";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Avatar, AvatarFallback } from "@/components/ui/avatar";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { EmptyState } from "@/components/ui/empty-state";
import { initialsFor } from "@/components/ui/initials";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError } from "@/components/settings/table-states";
import { ContactMessages } from "@/components/messages/contact-messages";
import { ActivityTimeline } from "./activity-timeline";
import { ConsentChangeDialog, type ConsentChangeRequest } from "./consent-change-dialog";
import { ConsentGrid } from "./consent-grid";
import { ConsentHistory } from "./consent-history";
import { ContactFormDialog } from "./contact-form-dialog";
import { EraseContactButton, ExportContactMenu } from "./contact-privacy-actions";
import { SendMessageDialog } from "./send-message-dialog";
import {
  CHANNEL_META,
  displayName,
  formatDay,
  formatPhone,
  formatWhen,
  hasName,
  SUPPRESSION_REASON_LABELS,
  type Channel,
} from "./labels";
import type { ContactDetail, ContactHistory } from "./types";

type Pii = { email: string | null; phone: string | null; firstName: string | null; lastName: string | null };

/**
 * One contact: profile, consent grid with admin actions, suppressions, the consent ledger with
 * evidence, an activity timeline and the contact's messages.
 */
export function ContactProfile({
  id,
  canEdit,
  canErase = false,
  initialDetail,
  initialHistory,
}: {
  id: string;
  canEdit: boolean;
  /** Owners and admins may erase the contact. */
  canErase?: boolean;
  initialDetail: ContactDetail;
  initialHistory: ContactHistory;
}) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.contacts.detail.queryOptions({ id }, { initialData: initialDetail }));
  const history = useQuery(trpc.contacts.history.queryOptions({ id }, { initialData: initialHistory }));
  const [revealed, setRevealed] = React.useState<Pii | null>(null);
  const [editOpen, setEditOpen] = React.useState(false);
  const [consentRequest, setConsentRequest] = React.useState<ConsentChangeRequest | null>(null);
  const [sendOpen, setSendOpen] = React.useState(false);

  const reveal = useMutation(
    trpc.contacts.reveal.mutationOptions({
      onSuccess: (contact) => {
        setRevealed(contact);
        toast.success("Contact revealed. This was recorded in the audit log.");
        void history.refetch();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  const data = detail.data;
  const contact = { ...data.contact, ...revealed };
  const name = displayName(contact);
  const masked = data.masked && !revealed;
  const channelsWithAddress = data.suppressions.filter((s) => s.hasAddress).map((s) => s.channel);
  const editable = canEdit && !data.contact.erased;
  const attributes = Object.entries(data.contact.attributes);

  return (
    <div className="grid gap-6">
      <div className="grid gap-4">
        <BackLink href="/contacts" className="text-sm text-muted-foreground">
          Contacts
        </BackLink>
        <div className="flex flex-col gap-4 sm:flex-row sm:items-center sm:justify-between">
          <div className="flex min-w-0 items-center gap-4">
            <Avatar className="size-14 text-base">
              <AvatarFallback className="bg-gradient-to-br from-primary/20 to-primary/5 text-lg font-semibold text-primary ring-1 ring-primary/15 ring-inset">
                {initialsFor(hasName(contact) ? name : null, contact.email ?? contact.phone)}
              </AvatarFallback>
            </Avatar>
            <div className="grid min-w-0 gap-1">
              <h1 className="truncate text-2xl font-semibold tracking-tight">{name}</h1>
              <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-muted-foreground">
                <span>Added {formatDay(data.contact.createdAt)}</span>
                <span aria-hidden className="hidden sm:inline">
                  ·
                </span>
                <span className="hidden sm:inline">Updated {formatDay(data.contact.updatedAt)}</span>
                {masked ? (
                  <Badge variant="muted">
                    <ShieldIcon /> Masked
                  </Badge>
                ) : null}
                {data.contact.erased ? <Badge variant="destructive">Erased</Badge> : null}
              </p>
            </div>
          </div>
          <div className="flex flex-wrap gap-2">
            {data.masked ? (
              revealed ? (
                <Button variant="outline" onClick={() => setRevealed(null)}>
                  <EyeOffIcon />
                  Hide
                </Button>
              ) : (
                <Button variant="outline" loading={reveal.isPending} onClick={() => reveal.mutate({ id })}>
                  <EyeIcon />
                  Reveal
                </Button>
              )
            ) : null}
            {editable ? (
              <>
                <Button variant="outline" onClick={() => setEditOpen(true)}>
                  <PencilIcon />
                  Edit
                </Button>
                <Button variant="outline" onClick={() => setSendOpen(true)} disabled={channelsWithAddress.length === 0}>
                  <SendIcon />
                  Send message
                </Button>
                <Button
                  onClick={() => setConsentRequest({ action: "opted_in" })}
                  disabled={channelsWithAddress.length === 0}
                >
                  <PlusIcon />
                  Record opt-in
                </Button>
              </>
            ) : null}
            {canEdit ? <ExportContactMenu id={id} /> : null}
            {canErase && !data.contact.erased ? (
              <EraseContactButton
                id={id}
                label={hasName(contact) ? name : (contact.email ?? contact.phone ?? "this contact")}
                onErased={() => setRevealed(null)}
              />
            ) : null}
          </div>
        </div>
      </div>

      {data.masked && !revealed ? (
        <Alert>
          <ShieldIcon />
          <AlertTitle>Personal data is masked for your role</AlertTitle>
          <AlertDescription>
            Reveal shows this contact in full. Each reveal is recorded in the audit log with your name.
          </AlertDescription>
        </Alert>
      ) : null}

      {detail.isError ? <LoadError message={errorMessage(detail.error)} onRetry={() => void detail.refetch()} /> : null}

      <div className="grid items-start gap-6 lg:grid-cols-3">
        <div className="grid gap-6 lg:col-span-1">
          <Card className="gap-4">
            <CardHeader>
              <CardTitle>Profile</CardTitle>
            </CardHeader>
            <CardContent>
              <div className="grid gap-3.5 text-sm" data-testid="contact-profile">
                <dl className="grid gap-3.5">
                  <Field label="Email" value={contact.email} copy={!masked} />
                  <Field
                    label="Phone"
                    value={formatPhone(contact.phone)}
                    copyValue={contact.phone}
                    copy={!masked}
                    mono
                  />
                </dl>
                <dl className="grid grid-cols-2 gap-3">
                  <Field label="First name" value={contact.firstName} />
                  <Field label="Last name" value={contact.lastName} />
                </dl>
                <dl className="grid grid-cols-2 gap-3">
                  <Field label="Locale" value={data.contact.locale} />
                  <Field label="Time zone" value={data.contact.timezone} />
                </dl>
                <dl className="grid gap-1">
                  <dt className="text-xs text-muted-foreground">Tags</dt>
                  <dd className="flex flex-wrap gap-1">
                    {data.contact.tags.length ? (
                      data.contact.tags.map((tag) => (
                        <Badge key={tag} variant="secondary" className="font-normal">
                          {tag}
                        </Badge>
                      ))
                    ) : (
                      <span className="text-muted-foreground">None</span>
                    )}
                  </dd>
                </dl>
              </div>
            </CardContent>
          </Card>

          {attributes.length ? (
            <Card className="gap-4">
              <CardHeader>
                <CardTitle>Attributes</CardTitle>
                <CardDescription>Custom data from imports and the API.</CardDescription>
              </CardHeader>
              <CardContent>
                <dl className="grid grid-cols-[minmax(0,auto)_minmax(0,1fr)] gap-x-4 gap-y-2 text-sm">
                  {attributes.map(([key, value]) => (
                    <React.Fragment key={key}>
                      <dt className="truncate font-mono text-xs leading-5 text-muted-foreground">{key}</dt>
                      <dd className="min-w-0 break-words">
                        {typeof value === "string" ? value : JSON.stringify(value)}
                      </dd>
                    </React.Fragment>
                  ))}
                </dl>
              </CardContent>
            </Card>
          ) : null}

          <Card className="gap-4">
            <CardHeader>
              <CardTitle>Deliverability</CardTitle>
              <CardDescription>Suppressed addresses are never messaged, whatever the consent.</CardDescription>
            </CardHeader>
            <CardContent>
              <ul className="grid gap-3" data-testid="suppressions">
                {data.suppressions.map((s) => {
                  const Icon = CHANNEL_META[s.channel as Channel].icon;
                  return (
                    <li key={s.channel} className="flex items-start gap-3 text-sm">
                      <Icon className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden />
                      <div className="grid min-w-0 gap-0.5">
                        <span className="font-medium">{CHANNEL_META[s.channel as Channel].label}</span>
                        {!s.hasAddress ? (
                          <span className="text-xs text-muted-foreground">
                            No {s.channel === "email" ? "email address" : "phone number"}
                          </span>
                        ) : s.suppression ? (
                          <>
                            <span className="flex items-center gap-1.5 text-destructive">
                              <ShieldOffIcon className="size-3.5" aria-hidden />
                              Suppressed: {SUPPRESSION_REASON_LABELS[s.suppression.reason] ?? s.suppression.reason}
                            </span>
                            <span className="text-xs text-muted-foreground">
                              {s.suppression.source} · {formatWhen(s.suppression.createdAt)}
                            </span>
                            {s.suppression.note ? (
                              <span className="text-xs text-muted-foreground">{s.suppression.note}</span>
                            ) : null}
                          </>
                        ) : (
                          <span className="flex items-center gap-1.5 text-xs text-success">
                            <CheckCircle2Icon className="size-3.5" aria-hidden />
                            Not suppressed
                          </span>
                        )}
                      </div>
                    </li>
                  );
                })}
              </ul>
            </CardContent>
          </Card>
        </div>

        <div className="grid min-w-0 gap-6 lg:col-span-2">
          <Card className="gap-0 py-0">
            <CardHeader className="border-b py-4 [.border-b]:pb-4">
              <CardTitle>Consent</CardTitle>
              <CardDescription>
                Current state per topic and channel. Every change is appended to the consent ledger.
              </CardDescription>
              {editable ? (
                <CardAction>
                  <Button variant="outline" size="sm" onClick={() => setConsentRequest({ action: "opted_out" })}>
                    <CircleSlashIcon />
                    Opt out…
                  </Button>
                </CardAction>
              ) : null}
            </CardHeader>
            {data.consent.length === 0 ? (
              <EmptyState
                bare
                className="py-10"
                title="No topics yet"
                description="Create topics in Settings → Topics to record consent."
              />
            ) : (
              <ConsentGrid
                cells={data.consent}
                canEdit={editable}
                channelsWithAddress={channelsWithAddress}
                onChange={setConsentRequest}
              />
            )}
          </Card>

          <Card className="gap-0 py-0">
            <CardHeader className="border-b py-4 [.border-b]:pb-4">
              <CardTitle>Consent history</CardTitle>
              <CardDescription>
                The ledger, newest first: what happened, when, how, and the evidence kept.
              </CardDescription>
            </CardHeader>
            {history.isError ? (
              <LoadError message={errorMessage(history.error)} onRetry={() => void history.refetch()} />
            ) : history.data ? (
              <ConsentHistory entries={history.data.consent} />
            ) : (
              <Skeleton className="m-6 h-24" />
            )}
          </Card>

          <div className="grid gap-6 xl:grid-cols-2">
            <Card className="gap-0 py-0">
              <CardHeader className="border-b py-4 [.border-b]:pb-4">
                <CardTitle>Activity</CardTitle>
                <CardDescription>Consent events and audit entries about this contact.</CardDescription>
              </CardHeader>
              {history.data ? <ActivityTimeline entries={history.data.activity} /> : null}
            </Card>
            <ContactMessages contactId={id} />
          </div>
        </div>
      </div>

      {editable ? (
        <ContactFormDialog
          open={editOpen}
          onOpenChange={setEditOpen}
          contactId={id}
          initial={{
            email: data.contact.email ?? "",
            phone: data.contact.phone ?? "",
            firstName: data.contact.firstName ?? "",
            lastName: data.contact.lastName ?? "",
            tags: data.contact.tags.join(", "),
            locale: data.contact.locale ?? "",
            timezone: data.contact.timezone ?? "",
          }}
        />
      ) : null}
      {editable ? (
        <SendMessageDialog
          open={sendOpen}
          onOpenChange={setSendOpen}
          contactId={id}
          contactName={name}
          cells={data.consent}
          channelsWithAddress={channelsWithAddress}
        />
      ) : null}
      <ConsentChangeDialog
        contactId={id}
        contactName={name}
        request={consentRequest}
        onClose={() => setConsentRequest(null)}
        cells={data.consent}
        channelsWithAddress={channelsWithAddress}
      />
    </div>
  );
}

function Field({
  label,
  value,
  copy,
  copyValue,
  mono,
}: {
  label: string;
  value: string | null;
  copy?: boolean;
  copyValue?: string | null;
  mono?: boolean;
}) {
  return (
    <div className="grid gap-0.5">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="flex min-w-0 items-center gap-1">
        {value ? (
          <span className={mono ? "truncate tabular-nums" : "truncate"}>{value}</span>
        ) : (
          <span className="text-muted-foreground">—</span>
        )}
        {value && copy ? (
          <CopyButton
            value={copyValue ?? value}
            srLabel={`Copy ${label.toLowerCase()}`}
            variant="ghost"
            className="-my-1 size-6 text-muted-foreground"
          />
        ) : null}
      </dd>
    </div>
  );
}
