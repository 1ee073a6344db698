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
import { formErrorsFrom } from "@/components/ui/form-errors";
import { useTRPC } from "@/components/providers/trpc-provider";

interface Props {
  workspace: { name: string; defaultRegion: string };
  canEdit: boolean;
}

export function WorkspaceSettingsForm({ workspace, canEdit }: Props) {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = React.useState(workspace.name);
  const [region, setRegion] = React.useState(workspace.defaultRegion);
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const update = useMutation(
    trpc.workspace.update.mutationOptions({
      onSuccess: () => {
        setErrors({});
        toast.success("Workspace settings saved");
        router.refresh();
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );
  const dirty = name !== workspace.name || region !== workspace.defaultRegion;

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate({ name, defaultRegion: region });
      }}
    >
      <Card>
        <CardHeader>
          <CardTitle>Workspace</CardTitle>
          <CardDescription>
            The brand your contacts consent to. Its name appears on every hosted page and message footer.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid max-w-xl gap-4">
          <FormField label="Name" error={errors.name} required>
            <Input
              value={name}
              onChange={(e) => setName(e.target.value)}
              disabled={!canEdit}
              maxLength={100}
              required
            />
          </FormField>
          <FormField
            label="Default region"
            description="Two-letter country code used to read phone numbers written without a country code, e.g. US or GB."
            error={errors.defaultRegion}
            required
          >
            <Input
              value={region}
              onChange={(e) => setRegion(e.target.value.toUpperCase())}
              disabled={!canEdit}
              maxLength={2}
              className="w-24 uppercase"
              required
            />
          </FormField>
        </CardContent>
        {canEdit ? (
          <CardFooter className="justify-end border-t pt-4">
            <Button type="submit" disabled={!dirty || update.isPending}>
              {update.isPending ? <Spinner /> : null}
              Save changes
            </Button>
          </CardFooter>
        ) : (
          <CardFooter className="border-t pt-4 text-sm text-muted-foreground">
            Only admins and owners can change these settings.
          </CardFooter>
        )}
      </Card>
    </form>
  );
}
