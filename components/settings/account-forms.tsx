"use client";

import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { toast } from "@/components/ui/toaster";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { useTRPC } from "@/components/providers/trpc-provider";

/** Field errors next to their fields, and the summary in a toast. */
function showErrors(error: unknown, setErrors: (errors: Record<string, string>) => void, fallbackField: string) {
  const { fieldErrors, formError } = formErrorsFrom(error, { fallbackField });
  setErrors(fieldErrors);
  toast.error(formError);
}

export function AccountForms({ name: initialName, email }: { name: string; email: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = React.useState(initialName);
  const [profileErrors, setProfileErrors] = React.useState<Record<string, string>>({});
  const [passwords, setPasswords] = React.useState({ currentPassword: "", newPassword: "", confirm: "" });
  const [passwordErrors, setPasswordErrors] = React.useState<Record<string, string>>({});

  const profile = useMutation(
    trpc.account.updateProfile.mutationOptions({
      onSuccess: () => {
        setProfileErrors({});
        toast.success("Profile saved");
        router.refresh();
      },
      onError: (error) => showErrors(error, setProfileErrors, "name"),
    }),
  );
  const password = useMutation(
    trpc.account.changePassword.mutationOptions({
      onSuccess: () => {
        setPasswordErrors({});
        setPasswords({ currentPassword: "", newPassword: "", confirm: "" });
        toast.success("Password changed");
      },
      onError: (error) => showErrors(error, setPasswordErrors, "currentPassword"),
    }),
  );

  return (
    <div className="grid gap-6">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          profile.mutate({ name });
        }}
      >
        <Card>
          <CardHeader>
            <CardTitle>Profile</CardTitle>
            <CardDescription>How teammates see you in member lists and the audit log.</CardDescription>
          </CardHeader>
          <CardContent className="grid max-w-xl gap-4">
            <FormField label="Email" description="Your sign-in address. Ask an owner to change it.">
              <Input value={email} readOnly disabled />
            </FormField>
            <FormField label="Name" error={fieldError(profileErrors, "name")} required>
              <Input
                value={name}
                onChange={(e) => setName(e.target.value)}
                maxLength={100}
                autoComplete="name"
                required
              />
            </FormField>
          </CardContent>
          <CardFooter className="justify-end border-t pt-4">
            <Button type="submit" disabled={profile.isPending || name === initialName}>
              {profile.isPending ? <Spinner /> : null}
              Save profile
            </Button>
          </CardFooter>
        </Card>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (passwords.newPassword !== passwords.confirm) {
            setPasswordErrors({ confirm: "The passwords do not match" });
            return;
          }
          password.mutate({ currentPassword: passwords.currentPassword, newPassword: passwords.newPassword });
        }}
      >
        <Card>
          <CardHeader>
            <CardTitle>Password</CardTitle>
            <CardDescription>
              Use at least 10 characters. A password manager&apos;s generated password is best.
            </CardDescription>
          </CardHeader>
          <CardContent className="grid max-w-xl gap-4">
            <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />
            <FormField label="Current password" error={fieldError(passwordErrors, "currentPassword")} required>
              <Input
                type="password"
                autoComplete="current-password"
                value={passwords.currentPassword}
                onChange={(e) => setPasswords((p) => ({ ...p, currentPassword: e.target.value }))}
                required
              />
            </FormField>
            <FormField label="New password" error={fieldError(passwordErrors, "newPassword")} required>
              <Input
                type="password"
                autoComplete="new-password"
                minLength={10}
                value={passwords.newPassword}
                onChange={(e) => setPasswords((p) => ({ ...p, newPassword: e.target.value }))}
                required
              />
            </FormField>
            <FormField label="Confirm new password" error={fieldError(passwordErrors, "confirm")} required>
              <Input
                type="password"
                autoComplete="new-password"
                minLength={10}
                value={passwords.confirm}
                onChange={(e) => setPasswords((p) => ({ ...p, confirm: e.target.value }))}
                required
              />
            </FormField>
          </CardContent>
          <CardFooter className="justify-end border-t pt-4">
            <Button type="submit" disabled={password.isPending}>
              {password.isPending ? <Spinner /> : null}
              Change password
            </Button>
          </CardFooter>
        </Card>
      </form>
    </div>
  );
}
