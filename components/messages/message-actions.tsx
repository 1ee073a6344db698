"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { RefreshCwIcon, RotateCcwIcon } from "lucide-react";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { reasonLabel } from "./labels";

type SendAnswer = { messageId: string; status: string; reason?: string };
type Verb = "Retry" | "Resend";

/**
 * Retry (a failed or undelivered message) and resend (any outbound message) for marketers and up.
 * Both run the original request through the pipeline again as a new, linked message, so consent
 * is decided again; the page then opens the new message. Either one sends at once, so each asks
 * first, naming the channel and the recipient and what happens if consent no longer allows it.
 */
export function MessageActions({
  messageId,
  canRetry,
  canResend,
  channelLabel,
  recipient,
}: {
  messageId: string;
  canRetry: boolean;
  canResend: boolean;
  /** "email" or "SMS". */
  channelLabel: string;
  /** The recipient as this viewer may see it (masked for viewers), or null when unknown. */
  recipient: string | null;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();

  const onAnswer = (verb: Verb) => (answer: SendAnswer) => {
    void queryClient.invalidateQueries({ queryKey: trpc.messageHistory.pathKey() });
    if (answer.status === "blocked")
      toast.error(`${verb} blocked: ${reasonLabel(answer.reason) ?? "not allowed"}. It is recorded in the history.`);
    else toast.success(`${verb} queued as a new message.`);
    router.push(`/messages/${answer.messageId}`);
  };
  const retry = useMutation(
    trpc.messages.retry.mutationOptions({
      onSuccess: onAnswer("Retry"),
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const resend = useMutation(
    trpc.messages.resend.mutationOptions({
      onSuccess: onAnswer("Resend"),
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const busy = retry.isPending || resend.isPending;
  const to = recipient ? `${channelLabel} to ${recipient}` : `${channelLabel} to the same recipient`;

  if (!canRetry && !canResend) return null;
  return (
    <div className="flex flex-wrap gap-2">
      {canRetry ? (
        <ConfirmSend
          verb="Retry"
          icon={<RotateCcwIcon />}
          pending={retry.isPending}
          disabled={busy}
          title="Retry this message now?"
          what={`This sends the ${to} again now, as a new message linked to this one. A message can be retried once.`}
          onConfirm={() => retry.mutate({ id: messageId })}
        />
      ) : null}
      {canResend ? (
        <ConfirmSend
          verb="Resend"
          variant="outline"
          icon={<RefreshCwIcon />}
          pending={resend.isPending}
          disabled={busy}
          title="Send this message again?"
          what={`This sends the same content as a new ${to} now, linked to this one. The recipient gets it a second time.`}
          onConfirm={() => resend.mutate({ id: messageId })}
        />
      ) : null}
    </div>
  );
}

function ConfirmSend({
  verb,
  variant,
  icon,
  pending,
  disabled,
  title,
  what,
  onConfirm,
}: {
  verb: Verb;
  variant?: "outline";
  icon: React.ReactNode;
  pending: boolean;
  disabled: boolean;
  title: string;
  what: string;
  onConfirm: () => void;
}) {
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant={variant} loading={pending} disabled={disabled}>
          {pending ? null : icon}
          {verb}
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{what}</AlertDialogDescription>
        </AlertDialogHeader>
        <p className="text-sm text-muted-foreground">
          Consent, suppressions and frequency caps are checked again first. If they no longer allow it, nothing is sent:
          the new message is recorded as blocked, with the reason, and you are taken to it. Quiet hours may hold a text
          until they end.
        </p>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction onClick={onConfirm}>{verb === "Retry" ? "Retry now" : "Send again"}</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
