"use client";

import * as React from "react";
import { MailIcon } from "lucide-react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Separator } from "@/components/ui/separator";
import { Spinner } from "@/components/ui/spinner";
import { signInWithEmailLinkAction, signInWithPasswordAction, type SignInState } from "./actions";

export function SignInForm({
  callbackUrl,
  magicLinkEnabled,
  initialError,
}: {
  callbackUrl: string;
  magicLinkEnabled: boolean;
  initialError?: string;
}) {
  const [state, passwordAction, passwordPending] = React.useActionState<SignInState, FormData>(
    signInWithPasswordAction,
    {
      error: initialError,
    },
  );
  const [linkState, linkAction, linkPending] = React.useActionState<SignInState, FormData>(
    signInWithEmailLinkAction,
    {},
  );
  const [email, setEmail] = React.useState(state.email ?? "");
  const error = state.error ?? linkState.error;

  return (
    <div className="grid gap-5">
      {error ? (
        <Alert variant="destructive" role="alert">
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      ) : null}
      <form action={passwordAction} className="grid gap-4">
        <input type="hidden" name="callbackUrl" value={callbackUrl} />
        <FormField label="Email">
          <Input
            name="email"
            type="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </FormField>
        <FormField label="Password">
          <Input name="password" type="password" autoComplete="current-password" required />
        </FormField>
        <Button type="submit" disabled={passwordPending} className="w-full">
          {passwordPending ? <Spinner /> : null}
          Sign in
        </Button>
      </form>
      {magicLinkEnabled ? (
        <>
          <div className="flex items-center gap-3 text-xs text-muted-foreground">
            <Separator className="flex-1" />
            or
            <Separator className="flex-1" />
          </div>
          <form action={linkAction}>
            <input type="hidden" name="callbackUrl" value={callbackUrl} />
            <input type="hidden" name="email" value={email} />
            <Button type="submit" variant="outline" className="w-full" disabled={linkPending || !email}>
              {linkPending ? <Spinner /> : <MailIcon />}
              Email me a sign-in link
            </Button>
          </form>
        </>
      ) : null}
    </div>
  );
}
