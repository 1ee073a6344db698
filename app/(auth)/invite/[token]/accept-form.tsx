"use client";

import * as React from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { acceptInvitationAction, type AcceptState } from "./actions";

export function AcceptInvitationForm({
  token,
  email,
  hasAccount,
}: {
  token: string;
  email: string;
  hasAccount: boolean;
}) {
  const [state, action, pending] = React.useActionState<AcceptState, FormData>(acceptInvitationAction, {});
  const fieldError = (name: string) => state.fieldErrors?.[name];
  return (
    <form action={action} className="grid gap-4">
      {state.error ? (
        <Alert variant="destructive" role="alert">
          <AlertDescription>{state.error}</AlertDescription>
        </Alert>
      ) : null}
      <input type="hidden" name="token" value={token} />
      <input type="hidden" name="hasAccount" value={hasAccount ? "1" : "0"} />
      <FormField label="Email">
        <Input value={email} readOnly disabled />
      </FormField>
      {hasAccount ? (
        <p className="text-sm text-muted-foreground">
          You already have an account. Join, then sign in with your current password.
        </p>
      ) : (
        <>
          <FormField label="Your name" error={fieldError("name")} required>
            <Input name="name" autoComplete="name" required maxLength={100} />
          </FormField>
          <FormField label="Password" description="At least 10 characters." error={fieldError("password")} required>
            <Input name="password" type="password" autoComplete="new-password" required minLength={10} />
          </FormField>
          <FormField label="Confirm password" error={fieldError("confirm")} required>
            <Input name="confirm" type="password" autoComplete="new-password" required minLength={10} />
          </FormField>
        </>
      )}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? <Spinner /> : null}
        {hasAccount ? "Join workspace" : "Create account and join"}
      </Button>
    </form>
  );
}
