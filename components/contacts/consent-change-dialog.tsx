"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { InfoIcon } from "lucide-react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toaster";
import { useTRPC } from "@/components/providers/trpc-provider";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { CHANNEL_META, type Channel } from "./labels";
import type { ConsentCell } from "./types";

const ALL_TOPICS = "__all__";
const MIN_NOTE = 10;

export type ConsentChangeRequest = { action: "opted_in" | "opted_out"; channel?: Channel; topic?: string };

/**
 * Record an admin opt-in (with a note as evidence: who asked, how, when) or an opt-out (no
 * evidence needed) for one topic on one channel, or an opt-out of every topic on a channel.
 */
export function ConsentChangeDialog(props: {
  contactId: string;
  contactName: string;
  request: ConsentChangeRequest | null;
  onClose: () => void;
  cells: ConsentCell[];
  channelsWithAddress: Channel[];
}) {
  return (
    <Dialog open={props.request !== null} onOpenChange={(next) => (next ? null : props.onClose())}>
      <DialogContent className="sm:max-w-lg">
        {props.request ? <ConsentChangeForm {...props} request={props.request} /> : null}
      </DialogContent>
    </Dialog>
  );
}

/** Mounted each time the dialog opens, so its state starts from the request. */
function ConsentChangeForm({
  contactId,
  contactName,
  request,
  onClose,
  cells,
  channelsWithAddress,
}: {
  contactId: string;
  contactName: string;
  request: ConsentChangeRequest;
  onClose: () => void;
  cells: ConsentCell[];
  channelsWithAddress: Channel[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isOptIn = request.action === "opted_in";
  const available = (isOptIn ? channelsWithAddress : (["email", "sms"] as Channel[])).filter((c) =>
    cells.some((cell) => cell.channel === c && !cell.topic.archived),
  );
  /** Opt-in: a marketing topic not yet granted on the channel, else any; opt-out: every topic. */
  const firstTopicOn = (channel: Channel) => {
    if (!isOptIn) return ALL_TOPICS;
    const open = cells.filter((c) => c.channel === channel && !c.topic.archived);
    const best =
      open.find((c) => c.topic.kind === "marketing" && c.state?.status !== "opted_in") ??
      open.find((c) => c.state?.status !== "opted_in") ??
      open[0];
    return best?.topic.key ?? ALL_TOPICS;
  };
  const [channel, setChannel] = React.useState<Channel>(() => request.channel ?? available[0] ?? "email");
  const [topic, setTopic] = React.useState<string>(
    () => request.topic ?? firstTopicOn(request.channel ?? available[0] ?? "email"),
  );
  const [note, setNote] = React.useState("");
  const [occurredAt, setOccurredAt] = React.useState("");
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const fieldId = React.useId();

  const topicsOnChannel = cells.filter((c) => c.channel === channel && !c.topic.archived);
  const selected = topicsOnChannel.find((c) => c.topic.key === topic);

  const mutation = useMutation(
    trpc.contacts.setConsent.mutationOptions({
      onSuccess: () => {
        toast.success(isOptIn ? "Opt-in recorded" : "Opt-out recorded");
        void queryClient.invalidateQueries({ queryKey: trpc.contacts.detail.queryKey({ id: contactId }) });
        void queryClient.invalidateQueries({ queryKey: trpc.contacts.history.queryKey({ id: contactId }) });
        void queryClient.invalidateQueries({ queryKey: trpc.contacts.list.pathKey() });
        onClose();
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error, { fallbackField: "note" });
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setErrors({});
    if (isOptIn && note.trim().length < MIN_NOTE) {
      setErrors({ note: "Describe how the person gave consent (at least 10 characters)" });
      return;
    }
    mutation.mutate({
      id: contactId,
      channel,
      topic: topic === ALL_TOPICS ? undefined : topic,
      status: isOptIn ? "opted_in" : "opted_out",
      note: note.trim() || undefined,
      occurredAt: occurredAt ? new Date(occurredAt) : undefined,
    });
  };

  return (
    <form className="grid gap-4" onSubmit={submit} noValidate>
      <DialogHeader>
        <DialogTitle>{isOptIn ? "Record an opt-in" : "Opt out"}</DialogTitle>
        <DialogDescription>
          {isOptIn
            ? `Record that ${contactName} agreed to receive messages. The note is kept as evidence in the consent ledger, with your name.`
            : `Stop messages to ${contactName}. An opt-out takes effect at once and needs no evidence.`}
        </DialogDescription>
      </DialogHeader>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField label="Channel" error={fieldError(errors, "channel")} id={`${fieldId}-channel`}>
          <Select
            value={channel}
            onValueChange={(value) => {
              setChannel(value as Channel);
              setTopic(firstTopicOn(value as Channel));
            }}
          >
            <SelectTrigger className="w-full" id={`${fieldId}-channel`}>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {available.map((c) => (
                <SelectItem key={c} value={c}>
                  {CHANNEL_META[c].label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </FormField>
        <FormField label="Topic" error={fieldError(errors, "topic")} id={`${fieldId}-topic`}>
          <Select value={topic} onValueChange={setTopic}>
            <SelectTrigger className="w-full" id={`${fieldId}-topic`}>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {!isOptIn ? (
                <SelectItem value={ALL_TOPICS}>Every topic on {CHANNEL_META[channel].label}</SelectItem>
              ) : null}
              {topicsOnChannel.map((cell) => (
                <SelectItem key={cell.topic.key} value={cell.topic.key}>
                  {cell.topic.name}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </FormField>
      </div>
      {isOptIn && selected?.topic.requiresDoubleOptIn ? (
        <Alert>
          <InfoIcon />
          <AlertDescription>
            {selected.topic.name} normally needs double opt-in. An opt-in recorded here takes effect at once, so the
            note should say how the person confirmed.
          </AlertDescription>
        </Alert>
      ) : null}
      <FormField
        label={isOptIn ? "Evidence" : "Reason"}
        required={isOptIn}
        error={fieldError(errors, "note")}
        description={
          isOptIn
            ? "Who asked, how and when, e.g. “Customer asked by phone on 3 March, ticket #4821”."
            : "Optional. Kept in the consent ledger."
        }
      >
        <Textarea
          value={note}
          onChange={(e) => setNote(e.target.value)}
          rows={3}
          maxLength={1000}
          placeholder={isOptIn ? "Customer asked by phone on …" : "e.g. Asked to stop at the front desk"}
        />
      </FormField>
      <FormField
        label="When did this happen?"
        error={fieldError(errors, "occurredAt")}
        description="Leave empty for now. Times are in your browser's time zone."
      >
        <Input
          type="datetime-local"
          value={occurredAt}
          onChange={(e) => setOccurredAt(e.target.value)}
          max={new Date().toISOString().slice(0, 16)}
        />
      </FormField>
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" variant={isOptIn ? "default" : "destructive"} loading={mutation.isPending}>
          {isOptIn ? "Record opt-in" : "Record opt-out"}
        </Button>
      </DialogFooter>
    </form>
  );
}
