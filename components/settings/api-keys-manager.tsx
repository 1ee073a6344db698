"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon, PlusIcon, ShieldAlertIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
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
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { CopyButton } from "@/components/ui/copy-button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toaster";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { formatDateTime, formatRelative } from "./format";
import { LoadError, LoadingRows } from "./table-states";

const SCOPES = [
  { value: "contacts:read", label: "Read contacts", hint: "Look up contacts and their consent." },
  { value: "contacts:write", label: "Write contacts", hint: "Create and update contacts." },
  {
    value: "contacts:erase",
    label: "Erase contacts",
    hint: "Erase a contact for good: personal data destroyed, addresses suppressed.",
  },
  { value: "consent:write", label: "Record consent", hint: "Append opt-ins and opt-outs to the ledger." },
  { value: "messages:send", label: "Send messages", hint: "Call send_with_consent and read message status." },
  {
    value: "campaigns:read",
    label: "Read segments",
    hint: "List segments, count them and page through their contacts (masked without Read contacts).",
  },
  { value: "campaigns:write", label: "Manage campaigns", hint: "Create and edit segments and templates." },
  { value: "admin", label: "Admin", hint: "Everything above, plus API keys and workspace settings." },
] as const;
type Scope = (typeof SCOPES)[number]["value"];

export function ApiKeysManager({ canManage, apiBaseUrl }: { canManage: boolean; apiBaseUrl: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery({ ...trpc.apiKeys.list.queryOptions(), enabled: canManage });
  const [createOpen, setCreateOpen] = React.useState(false);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: (key) => {
        toast.success(`Revoked "${key.name}"`);
        void invalidate();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  if (!canManage) {
    return (
      <Alert>
        <ShieldAlertIcon />
        <AlertTitle>Admins only</AlertTitle>
        <AlertDescription>
          Ask an admin or owner of this workspace to create an API key for you. The{" "}
          <a href="/docs/api" className="font-medium underline underline-offset-4">
            API reference
          </a>{" "}
          describes every route.
        </AlertDescription>
      </Alert>
    );
  }

  const items = keys.data?.items ?? [];
  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="max-w-2xl text-sm text-muted-foreground">
          Keys authenticate calls to the REST API at{" "}
          <code className="rounded bg-muted px-1 py-0.5 text-xs">{apiBaseUrl}</code> with{" "}
          <code className="rounded bg-muted px-1 py-0.5 text-xs">Authorization: Bearer &lt;key&gt;</code>. Give each
          integration its own key and only the scopes it needs. Every route, its parameters and answers are in the{" "}
          <a href="/docs/api" className="font-medium text-foreground underline underline-offset-4">
            API reference
          </a>{" "}
          (also as{" "}
          <a href="/api/v1/openapi.json" className="font-medium text-foreground underline underline-offset-4">
            OpenAPI JSON
          </a>
          ).
        </p>
        <Button onClick={() => setCreateOpen(true)}>
          <PlusIcon />
          Create API key
        </Button>
      </div>
      <Card className="py-0">
        {keys.isPending ? (
          <LoadingRows label="Loading API keys" />
        ) : keys.isError ? (
          <LoadError message={errorMessage(keys.error)} onRetry={() => void keys.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState
            bare
            className="py-12"
            icon={KeyRoundIcon}
            title="No API keys yet"
            description="Create a key to send consent-checked messages and sync contacts from your own systems."
            action={
              <Button onClick={() => setCreateOpen(true)}>
                <PlusIcon />
                Create API key
              </Button>
            }
          />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Key</TableHead>
                <TableHead className="hidden md:table-cell">Scopes</TableHead>
                <TableHead className="hidden sm:table-cell">Created</TableHead>
                <TableHead>Last used</TableHead>
                <TableHead className="w-0 text-right">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((key) => (
                <TableRow
                  key={key.id}
                  data-testid="api-key-row"
                  data-revoked={key.revokedAt ? "" : undefined}
                  className={key.revokedAt ? "bg-muted/40" : undefined}
                >
                  <TableCell className="font-medium">
                    {key.name}
                    {key.revokedAt ? (
                      <Badge variant="muted" className="ml-2">
                        Revoked
                      </Badge>
                    ) : null}
                  </TableCell>
                  <TableCell>
                    <code className="text-xs">{key.prefix}</code>
                  </TableCell>
                  <TableCell className="hidden md:table-cell">
                    <div className="flex flex-wrap gap-1">
                      {key.scopes.map((scope) => (
                        <Badge key={scope} variant={scope === "admin" ? "warning" : "secondary"}>
                          {scope}
                        </Badge>
                      ))}
                    </div>
                  </TableCell>
                  <TableCell className="hidden text-muted-foreground sm:table-cell">
                    {formatDateTime(key.createdAt)}
                  </TableCell>
                  <TableCell className="text-muted-foreground">{formatRelative(key.lastUsedAt)}</TableCell>
                  <TableCell className="text-right">
                    {key.revokedAt ? null : (
                      <AlertDialog>
                        <AlertDialogTrigger asChild>
                          <Button variant="ghost" size="sm" className="text-destructive hover:text-destructive">
                            Revoke
                          </Button>
                        </AlertDialogTrigger>
                        <AlertDialogContent>
                          <AlertDialogHeader>
                            <AlertDialogTitle>Revoke &ldquo;{key.name}&rdquo;?</AlertDialogTitle>
                            <AlertDialogDescription>
                              Calls with this key fail with 401 from now on. This cannot be undone: integrations using
                              it need a new key.
                            </AlertDialogDescription>
                          </AlertDialogHeader>
                          <AlertDialogFooter>
                            <AlertDialogCancel>Cancel</AlertDialogCancel>
                            <AlertDialogAction
                              className="bg-destructive text-white hover:bg-destructive/90"
                              onClick={() => revoke.mutate({ id: key.id })}
                            >
                              Revoke key
                            </AlertDialogAction>
                          </AlertDialogFooter>
                        </AlertDialogContent>
                      </AlertDialog>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
      <CreateApiKeyDialog
        open={createOpen}
        onOpenChange={setCreateOpen}
        onCreated={invalidate}
        apiBaseUrl={apiBaseUrl}
      />
    </div>
  );
}

function CreateApiKeyDialog({
  open,
  onOpenChange,
  onCreated,
  apiBaseUrl,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onCreated: () => void;
  apiBaseUrl: string;
}) {
  const trpc = useTRPC();
  const [name, setName] = React.useState("");
  const [scopes, setScopes] = React.useState<Scope[]>([
    "contacts:read",
    "contacts:write",
    "consent:write",
    "messages:send",
  ]);
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: () => onCreated(),
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );
  const created = create.data;
  const scopesError = fieldError(errors, "scopes");

  const close = (next: boolean) => {
    onOpenChange(next);
    if (!next) {
      setName("");
      setErrors({});
      create.reset();
    }
  };

  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent className="sm:max-w-lg">
        {created ? (
          <>
            <DialogHeader>
              <DialogTitle>Copy your new key</DialogTitle>
              <DialogDescription>
                This is the only time the key is shown. Store it in your secret manager now.
              </DialogDescription>
            </DialogHeader>
            <div className="grid gap-3">
              <div className="flex items-center gap-2 rounded-md border bg-muted/50 p-2">
                <code className="flex-1 text-sm break-all" data-testid="new-api-key-secret">
                  {created.secret}
                </code>
                <CopyButton value={created.secret} srLabel="Copy API key" />
              </div>
              <p className="text-xs text-muted-foreground">Try it:</p>
              <pre className="overflow-x-auto rounded-md bg-muted p-3 text-xs">
                {`curl -H "Authorization: Bearer ${created.secret}" \\\n  ${apiBaseUrl}/me`}
              </pre>
            </div>
            <DialogFooter>
              <Button onClick={() => close(false)}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <form
            className="grid gap-4"
            onSubmit={(e) => {
              e.preventDefault();
              setErrors({});
              create.mutate({ name, scopes });
            }}
          >
            <DialogHeader>
              <DialogTitle>Create API key</DialogTitle>
              <DialogDescription>
                Name it after the system that will use it, so you know what breaks when you revoke it.
              </DialogDescription>
            </DialogHeader>
            <FormField label="Name" error={fieldError(errors, "name")} required>
              <Input
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder="e.g. Checkout service"
                maxLength={100}
                autoFocus
              />
            </FormField>
            <fieldset className="grid gap-2">
              <legend className="mb-1 text-sm font-medium">Scopes</legend>
              {SCOPES.map((scope) => {
                const id = `scope-${scope.value}`;
                return (
                  <div key={scope.value} className="flex items-start gap-3 rounded-md border p-2.5">
                    <Checkbox
                      id={id}
                      checked={scopes.includes(scope.value)}
                      onCheckedChange={(checked) =>
                        setScopes((current) =>
                          checked ? [...current, scope.value] : current.filter((s) => s !== scope.value),
                        )
                      }
                      className="mt-0.5"
                      aria-invalid={scopesError ? true : undefined}
                      aria-describedby={scopesError ? "api-key-scopes-error" : undefined}
                    />
                    <Label htmlFor={id} className="grid cursor-pointer gap-0.5 font-normal">
                      <span className="font-medium">
                        {scope.label} <code className="ml-1 text-xs text-muted-foreground">{scope.value}</code>
                      </span>
                      <span className="text-xs text-muted-foreground">{scope.hint}</span>
                    </Label>
                  </div>
                );
              })}
              {scopesError ? (
                <p id="api-key-scopes-error" role="alert" className="text-xs font-medium text-destructive">
                  {scopesError}
                </p>
              ) : null}
            </fieldset>
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => close(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={create.isPending}>
                {create.isPending ? <Spinner /> : null}
                Create key
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
