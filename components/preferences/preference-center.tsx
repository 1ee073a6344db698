"use client";

import * as React from "react";
import { CheckCircle2Icon, MailIcon, MessageSquareIcon } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { Textarea } from "@/components/ui/textarea";
import type { PreferencesFormState } from "@/app/preferences/[token]/actions";
import type { Preferences } from "@/server/services/preferences";

import { CHANNEL_LABEL, LinkCard } from "./link-page-shell";

type Channel = keyof typeof CHANNEL_LABEL;
const CHANNEL_ICON = { email: MailIcon, sms: MessageSquareIcon } as const;

const pairKey = (topicId: string, channel: Channel) => `${topicId}:${channel}`;

/** On = opted in or awaiting confirmation; off = opted out or nothing recorded. */
function switchesOf(model: Preferences): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const topic of model.topics) {
    for (const c of topic.channels)
      out[pairKey(topic.id, c.channel)] = c.status === "opted_in" || c.status === "pending";
  }
  return out;
}

/**
 * The hosted preference center: a switch per marketing topic × channel showing the current choice
 * (pending shown as "Awaiting confirmation"), one Save, and "unsubscribe from everything".
 * Transactional topics (receipts, security alerts) are sent whatever is recorded, so they show
 * "Always on" instead of a switch that would change nothing.
 * Only changed pairs are submitted; the server records ledger events for real changes only.
 */
export function PreferenceCenter({
  token,
  initial,
  action,
}: {
  token: string;
  initial: Preferences;
  action: (prev: PreferencesFormState, formData: FormData) => Promise<PreferencesFormState>;
}) {
  const [state, formAction, isPending] = React.useActionState(action, {});
  const model = state.preferences ?? initial;
  const saved = React.useMemo(() => switchesOf(model), [model]);
  const [desired, setDesired] = React.useState(saved);
  const [shownModel, setShownModel] = React.useState(model);
  const [submitting, setSubmitting] = React.useState<"save" | "unsubscribe-all" | null>(null);
  // A fresh answer from the server resets the switches to what is now recorded.
  if (shownModel !== model) {
    setShownModel(model);
    setDesired(saved);
  }
  const changed = Object.keys(desired).filter((key) => desired[key] !== saved[key]);
  const marketingChannels = new Set(
    model.topics.filter((t) => t.kind === "marketing").flatMap((t) => t.channels.map((c) => c.channel)),
  );
  const marketingNouns =
    [...marketingChannels].map((c) => (c === "email" ? "emails" : "text messages")).join(" and ") || "messages";

  return (
    <div className="grid gap-6">
      <div className="text-center">
        <h1 className="text-2xl font-semibold tracking-tight text-balance">Your preferences</h1>
        <p className="mx-auto mt-2 max-w-md text-sm text-pretty text-muted-foreground">
          Choose what {model.workspaceName} sends you, and where. Nothing changes until you save.
        </p>
        <AddressLine addresses={model.addresses} />
      </div>

      {state.error ? (
        <Alert variant="destructive">
          <AlertDescription>{state.error}</AlertDescription>
        </Alert>
      ) : state.preferences && !isPending ? (
        <Alert variant="success" role="status">
          <CheckCircle2Icon aria-hidden />
          <AlertTitle>
            {state.intent === "unsubscribe-all"
              ? `You’re unsubscribed from all marketing from ${model.workspaceName}`
              : "Your preferences are saved"}
          </AlertTitle>
          {state.confirmations?.length ? (
            <AlertDescription data-testid="confirmation-notice">
              {state.confirmations.map((c) =>
                c.sentTo ? (
                  <p key={c.channel}>
                    Check your {c.channel === "sms" ? "phone" : "inbox"}: we sent{" "}
                    {c.channel === "sms" ? "a code" : "a link"} to {c.sentTo}. Choices marked “Awaiting confirmation”
                    start only once you confirm them.
                    {c.codePath ? (
                      <>
                        {" "}
                        <a href={c.codePath} className="font-medium text-primary underline underline-offset-4">
                          Enter the code
                        </a>
                      </>
                    ) : null}
                  </p>
                ) : (
                  <p key={c.channel}>
                    We could not send the confirmation just now. Choices marked “Awaiting confirmation” do not start
                    until confirmed.
                  </p>
                ),
              )}
            </AlertDescription>
          ) : state.changes?.some((c) => c.status === "pending") ? (
            <AlertDescription>
              Choices marked “Awaiting confirmation” start once you confirm them from the message we send you.
            </AlertDescription>
          ) : null}
        </Alert>
      ) : null}

      <LinkCard aria-label="Topics">
        {model.topics.length === 0 ? (
          <p className="px-6 py-10 text-center text-sm text-muted-foreground">
            {model.workspaceName} has no topics to choose from yet.
          </p>
        ) : (
          <ul className="divide-y">
            {model.topics.map((topic) => (
              <li key={topic.id} className="px-5 py-5 sm:px-6" data-testid="preference-topic" data-topic={topic.key}>
                <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                  <h2 className="font-semibold tracking-tight">{topic.name}</h2>
                  {topic.kind === "transactional" ? <Badge variant="muted">Account</Badge> : null}
                </div>
                {topic.description ? (
                  <p className="mt-1 text-sm text-pretty text-muted-foreground">{topic.description}</p>
                ) : null}
                {topic.kind === "transactional" ? (
                  <p className="mt-1 text-sm text-pretty text-muted-foreground">
                    Sent whenever your account needs it, so it can’t be switched off.
                  </p>
                ) : null}
                <div className="mt-3 grid gap-2">
                  {topic.channels.map((c) => {
                    const key = pairKey(topic.id, c.channel);
                    const id = `switch-${key}`;
                    const Icon = CHANNEL_ICON[c.channel];
                    const isOn = desired[key] ?? false;
                    if (topic.kind === "transactional") {
                      return (
                        <div
                          key={key}
                          className="flex min-h-12 items-center justify-between gap-3 rounded-lg border bg-background px-3 py-2"
                          data-testid={`always-on-${topic.key}-${c.channel}`}
                        >
                          <div className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1 text-sm">
                            <span className="inline-flex items-center gap-2">
                              <Icon className="size-4 text-muted-foreground" aria-hidden />
                              {CHANNEL_LABEL[c.channel]}
                            </span>
                            {!c.hasAddress ? (
                              <span className="text-xs text-muted-foreground">
                                No {c.channel === "sms" ? "phone number" : "email address"} on file
                              </span>
                            ) : null}
                          </div>
                          <Badge variant="success">Always on</Badge>
                        </div>
                      );
                    }
                    return (
                      <div
                        key={key}
                        className="flex min-h-12 items-center justify-between gap-3 rounded-lg border bg-background px-3 py-2"
                      >
                        <div className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1">
                          <Label htmlFor={id} className="gap-2 font-normal">
                            <Icon className="size-4 text-muted-foreground" aria-hidden />
                            {CHANNEL_LABEL[c.channel]}
                          </Label>
                          {c.status === "pending" && saved[key] ? (
                            <Badge variant="warning" dot>
                              Awaiting confirmation
                            </Badge>
                          ) : null}
                          {!c.hasAddress ? (
                            <span className="text-xs text-muted-foreground">
                              No {c.channel === "sms" ? "phone number" : "email address"} on file
                            </span>
                          ) : null}
                        </div>
                        <Switch
                          id={id}
                          checked={isOn}
                          disabled={isPending || (!c.hasAddress && !isOn)}
                          onCheckedChange={(value) => setDesired((d) => ({ ...d, [key]: value }))}
                          aria-label={`${topic.name}: ${CHANNEL_LABEL[c.channel]}`}
                          data-testid={`switch-${topic.key}-${c.channel}`}
                          data-status={c.status ?? "none"}
                        />
                      </div>
                    );
                  })}
                </div>
              </li>
            ))}
          </ul>
        )}
        {/* The switches stay outside the form: React resets a form after its action, and Radix
            switches inside one would follow that reset back to their first value. */}
        <form
          action={formAction}
          onSubmit={() => setSubmitting("save")}
          className="flex flex-col gap-4 border-t bg-muted/40 px-5 py-4 sm:flex-row sm:items-center sm:justify-between sm:px-6"
        >
          <input type="hidden" name="token" value={token} />
          <input type="hidden" name="intent" value="save" />
          {changed.map((key) => (
            <input key={key} type="hidden" name="choice" value={`${key}:${desired[key] ? 1 : 0}`} />
          ))}
          <p className="text-xs text-pretty text-muted-foreground">{model.consentText}</p>
          <Button
            type="submit"
            className="w-full shrink-0 sm:w-auto"
            disabled={changed.length === 0}
            loading={isPending && submitting === "save"}
          >
            {changed.length > 1 ? `Save ${changed.length} changes` : "Save preferences"}
          </Button>
        </form>
      </LinkCard>

      <form
        action={formAction}
        onSubmit={() => setSubmitting("unsubscribe-all")}
        aria-label="Unsubscribe from everything"
      >
        <input type="hidden" name="token" value={token} />
        <input type="hidden" name="intent" value="unsubscribe-all" />
        <LinkCard className="px-5 py-5 sm:px-6">
          <h2 className="font-semibold tracking-tight">Unsubscribe from everything</h2>
          <p className="mt-1 text-sm text-pretty text-muted-foreground">
            Stop all marketing {marketingNouns} from {model.workspaceName}. Account notices, like receipts and security
            alerts, still reach you.
          </p>
          <div className="mt-4 grid gap-2">
            <Label htmlFor="leaving-reason">
              Why are you leaving? <span className="font-normal text-muted-foreground">(optional)</span>
            </Label>
            <Textarea
              id="leaving-reason"
              name="reason"
              maxLength={1000}
              rows={2}
              placeholder="Too many messages, not relevant to me…"
            />
          </div>
          <Button
            type="submit"
            variant="outline"
            className="mt-4 w-full border-destructive/30 text-destructive hover:bg-destructive/5 hover:text-destructive sm:w-auto"
            disabled={isPending}
            loading={isPending && submitting === "unsubscribe-all"}
          >
            Unsubscribe from everything
          </Button>
        </LinkCard>
      </form>
    </div>
  );
}

function AddressLine({ addresses }: { addresses: Preferences["addresses"] }) {
  const items = (Object.keys(addresses) as Channel[]).filter((c) => addresses[c]);
  if (items.length === 0) return null;
  return (
    <p className="mt-3 flex flex-wrap items-center justify-center gap-x-4 gap-y-1 text-sm text-muted-foreground">
      {items.map((c) => {
        const Icon = CHANNEL_ICON[c];
        return (
          <span key={c} className="inline-flex items-center gap-1.5">
            <Icon className="size-3.5" aria-hidden />
            <span className="font-medium text-foreground">{addresses[c]}</span>
          </span>
        );
      })}
    </p>
  );
}
