"use client";

import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { RefreshCwIcon, RotateCcwIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { reasonLabel } from "./labels";

type SendAnswer = { messageId: string; status: string; reason?: string };

/**
 * Retry (a failed or undelivered message) and resend (any outbound message) for marketers and up.
 * Both run the original request through the pipeline again as a new, linked message, so consent
 * is decided again; the page then opens the new message.
 */
export function MessageActions({ messageId, canRetry, canResend }: { messageId: string; canRetry: boolean; canResend: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();

  const onAnswer = (verb: "Retry" | "Resend") => (answer: SendAnswer) => {
    void queryClient.invalidateQueries({ queryKey: trpc.messageHistory.pathKey() });
    if (answer.status === "blocked") toast.error(`${verb} blocked: ${reasonLabel(answer.reason) ?? "not allowed"}. It is recorded in the history.`);
    else toast.success(`${verb} queued as a new message.`);
    router.push(`/messages/${answer.messageId}`);
  };
  const retry = useMutation(trpc.messages.retry.mutationOptions({ onSuccess: onAnswer("Retry"), onError: (error) => toast.error(errorMessage(error)) }));
  const resend = useMutation(trpc.messages.resend.mutationOptions({ onSuccess: onAnswer("Resend"), onError: (error) => toast.error(errorMessage(error)) }));
  const busy = retry.isPending || resend.isPending;

  if (!canRetry && !canResend) return null;
  return (
    <div className="flex flex-wrap gap-2">
      {canRetry ? (
        <Button loading={retry.isPending} disabled={busy} onClick={() => retry.mutate({ id: messageId })}>
          {retry.isPending ? null : <RotateCcwIcon />}
          Retry
        </Button>
      ) : null}
      {canResend ? (
        <Button variant="outline" loading={resend.isPending} disabled={busy} onClick={() => resend.mutate({ id: messageId })}>
          {resend.isPending ? null : <RefreshCwIcon />}
          Resend
        </Button>
      ) : null}
    </div>
  );
}
