"use client";

import * as React from "react";

import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";

/**
 * Plain HTML forms posting to `/u/{token}` (the one-click route via proxy.ts), so they work before
 * or without JavaScript; JavaScript only adds the busy state.
 */
export function UnsubscribeButtonForm({ token }: { token: string }) {
  const [isPending, setIsPending] = React.useState(false);
  return (
    <form method="post" action={`/u/${token}`} onSubmit={() => setIsPending(true)}>
      <input type="hidden" name="List-Unsubscribe" value="One-Click" />
      <input type="hidden" name="via" value="page" />
      <Button type="submit" size="lg" className="w-full" loading={isPending}>
        Unsubscribe
      </Button>
    </form>
  );
}

export function LeavingReasonForm({ token }: { token: string }) {
  const [isPending, setIsPending] = React.useState(false);
  const id = React.useId();
  return (
    <form method="post" action={`/u/${token}`} onSubmit={() => setIsPending(true)} className="grid gap-3">
      <input type="hidden" name="via" value="page" />
      <div className="grid gap-2">
        <Label htmlFor={id}>
          Why are you leaving? <span className="font-normal text-muted-foreground">(optional)</span>
        </Label>
        <Textarea
          id={id}
          name="reason"
          maxLength={1000}
          rows={3}
          required
          placeholder="Too many messages, not relevant to me…"
        />
      </div>
      <Button type="submit" variant="outline" className="w-full sm:w-auto sm:justify-self-start" loading={isPending}>
        Send feedback
      </Button>
    </form>
  );
}
