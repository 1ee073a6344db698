"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toaster";
import { NOTIFICATION_CATALOGUE, type NotificationKind } from "@/server/shared/notifications";

type Choice = { inApp: boolean; email: boolean };

/**
 * The signed-in member's notification preferences in this workspace: one row per kind, a
 * checkbox for the app and one for email. Saved together; only what changed is written.
 */
export function NotificationPreferencesCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const prefs = useQuery(trpc.notifications.preferences.queryOptions());
  const [draft, setDraft] = React.useState<Partial<Record<NotificationKind, Choice>>>({});

  const save = useMutation(
    trpc.notifications.updatePreferences.mutationOptions({
      onSuccess: (result) => {
        queryClient.setQueryData(trpc.notifications.preferences.queryKey(), result);
        setDraft({});
        toast.success("Notification preferences saved");
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  const rows = (prefs.data?.preferences ?? []).map((p) => ({ ...p, ...draft[p.kind] }));
  const dirty = Object.keys(draft).length > 0;
  const set = (kind: NotificationKind, field: keyof Choice, value: boolean) => {
    const saved = prefs.data?.preferences.find((p) => p.kind === kind);
    if (!saved) return;
    setDraft((current) => {
      const next = { ...(current[kind] ?? { inApp: saved.inApp, email: saved.email }), [field]: value };
      const copy = { ...current };
      if (next.inApp === saved.inApp && next.email === saved.email) delete copy[kind];
      else copy[kind] = next;
      return copy;
    });
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const preferences = rows.filter((r) => draft[r.kind]).map(({ kind, inApp, email }) => ({ kind, inApp, email }));
        if (preferences.length > 0) save.mutate({ preferences });
      }}
    >
      <Card id="notifications" className="scroll-mt-6">
        <CardHeader>
          <CardTitle>
            <h2>Notifications</h2>
          </CardTitle>
          <CardDescription>
            What you hear about in this workspace, in the app (the bell) and by email. Everyone gets every kind in the
            app unless they turn it off.
          </CardDescription>
        </CardHeader>
        <CardContent className="px-0 sm:px-6">
          {prefs.isPending ? (
            <LoadingRows label="Loading notification preferences" rows={4} />
          ) : prefs.isError ? (
            <LoadError message={errorMessage(prefs.error)} onRetry={() => void prefs.refetch()} />
          ) : (
            <Table aria-label="Notification preferences">
              <TableHeader>
                <TableRow>
                  <TableHead scope="col">Notification</TableHead>
                  <TableHead scope="col" className="w-24 text-center">
                    In the app
                  </TableHead>
                  <TableHead scope="col" className="w-24 text-center">
                    Email
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {rows.map((row) => {
                  const info = NOTIFICATION_CATALOGUE[row.kind];
                  return (
                    <TableRow key={row.kind}>
                      <TableCell className="whitespace-normal">
                        <div className="font-medium">{info.label}</div>
                        <div className="text-sm text-muted-foreground">
                          {info.description}
                          {info.reserved ? " (coming soon)" : ""}
                        </div>
                      </TableCell>
                      <TableCell className="text-center">
                        <Checkbox
                          checked={row.inApp}
                          onCheckedChange={(value) => set(row.kind, "inApp", value === true)}
                          aria-label={`${info.label} in the app`}
                        />
                      </TableCell>
                      <TableCell className="text-center">
                        <Checkbox
                          checked={row.email}
                          onCheckedChange={(value) => set(row.kind, "email", value === true)}
                          aria-label={`${info.label} by email`}
                        />
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          )}
        </CardContent>
        <CardFooter className="justify-end gap-2">
          <Button type="button" variant="ghost" disabled={!dirty || save.isPending} onClick={() => setDraft({})}>
            Discard changes
          </Button>
          <Button type="submit" disabled={!dirty || save.isPending}>
            {save.isPending ? <Spinner /> : null}
            Save notification preferences
          </Button>
        </CardFooter>
      </Card>
    </form>
  );
}
