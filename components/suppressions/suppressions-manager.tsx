"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ChevronLeftIcon, ChevronRightIcon, PlusIcon, ShieldBanIcon } from "lucide-react";
import { CHANNEL_META, CHANNEL_OPTIONS, formatWhen, SUPPRESSION_REASON_LABELS } from "@/components/contacts/labels";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
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
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ExactSearch } from "@/components/ui/exact-search";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { toast } from "@/components/ui/toaster";
import { CHANNELS, SUPPRESSION_REASONS, type Channel, type SuppressionReason } from "@/server/shared/enums";
import { OptionalSelect } from "@/components/ui/filter-fields";

const PAGE_SIZE = 50;
const NOT_CONSENT =
  "Removing a suppression opts no one in: it only stops blocking the address. Messages still need consent.";

interface Filters {
  address: string;
  reason: SuppressionReason | null;
  channel: Channel | null;
  from: string;
  to: string;
}

/** The suppression list: exact lookup, filters, keyset pages, manual add and remove (marketers and up). */
export function SuppressionsManager({ canManage }: { canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [filters, setFilters] = React.useState<Filters>({ address: "", reason: null, channel: null, from: "", to: "" });
  const [draft, setDraft] = React.useState("");
  /** Cursors of the pages before the current one (keyset pagination keeps a stack). */
  const [cursors, setCursors] = React.useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const [adding, setAdding] = React.useState(false);

  const input = {
    address: filters.address || undefined,
    reason: filters.reason ?? undefined,
    channel: filters.channel ?? undefined,
    from: filters.from || undefined,
    to: filters.to || undefined,
    cursor,
    limit: PAGE_SIZE,
  };
  const list = useQuery(trpc.suppressions.list.queryOptions(input));
  const update = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setCursors([undefined]);
  };
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.suppressions.pathKey() });

  const remove = useMutation(
    trpc.suppressions.remove.mutationOptions({
      onSuccess: () => {
        toast.success("Suppression removed");
        void invalidate();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  const searchError = list.isError && filters.address ? errorMessage(list.error) : undefined;

  return (
    <Card className="gap-0 py-0" data-testid="suppression-list">
      <div className="flex flex-wrap items-start justify-between gap-3 border-b p-4 sm:px-6">
        <div className="grid gap-1">
          <h2 className="text-base font-semibold">Suppression list</h2>
          <p className="max-w-2xl text-sm text-muted-foreground">
            Addresses that are never messaged on a channel, whatever their consent: bounces, complaints, STOP replies,
            provider opt-outs, erased contacts and addresses added by hand. {NOT_CONSENT}
          </p>
        </div>
        {canManage ? (
          <Button onClick={() => setAdding(true)}>
            <PlusIcon aria-hidden />
            Add suppression
          </Button>
        ) : null}
      </div>

      <div className="grid gap-3 border-b p-4 sm:grid-cols-2 sm:px-6 lg:grid-cols-5">
        <div className="sm:col-span-2">
          <ExactSearch
            id="suppression-search"
            label="Find by exact address"
            placeholder="Exact email or phone number"
            hint="A whole address: addresses are stored encrypted, so parts of one cannot be searched."
            draft={draft}
            onDraftChange={setDraft}
            applied={Boolean(filters.address)}
            onApply={(value) => update({ address: value.trim() })}
            error={searchError}
          />
        </div>
        <OptionalSelect
          id="suppression-reason"
          label="Reason"
          value={filters.reason ?? null}
          onChange={(reason) => update({ reason })}
          anyLabel="All reasons"
          options={SUPPRESSION_REASONS.map((r) => ({ value: r, label: SUPPRESSION_REASON_LABELS[r] ?? r }))}
          triggerClassName="w-full"
        />
        <OptionalSelect
          id="suppression-channel"
          label="Channel"
          value={filters.channel ?? null}
          onChange={(channel) => update({ channel })}
          anyLabel="Both channels"
          options={CHANNEL_OPTIONS}
          triggerClassName="w-full"
        />
        <div className="grid grid-cols-2 gap-2">
          <div className="grid gap-1.5">
            <Label htmlFor="suppression-from">Added from</Label>
            <Input
              id="suppression-from"
              type="date"
              value={filters.from}
              onChange={(e) => update({ from: e.target.value })}
            />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="suppression-to">to</Label>
            <Input
              id="suppression-to"
              type="date"
              value={filters.to}
              onChange={(e) => update({ to: e.target.value })}
            />
          </div>
        </div>
      </div>

      {list.isPending ? (
        <LoadingRows label="Loading suppressions" />
      ) : list.isError ? (
        searchError ? null : (
          <LoadError message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
        )
      ) : list.data.items.length === 0 ? (
        <EmptyState
          icon={ShieldBanIcon}
          title={filters.address ? "This address is not suppressed" : "No suppressions"}
          description={
            filters.address
              ? "No suppression matches this exact address with these filters."
              : "Nothing matches these filters. Bounces, complaints and STOP replies add addresses here on their own."
          }
        />
      ) : (
        <Table scrollLabel="Suppressions">
          <TableHeader>
            <TableRow>
              <TableHead>Address</TableHead>
              <TableHead>Channel</TableHead>
              <TableHead>Reason</TableHead>
              <TableHead>Source</TableHead>
              <TableHead>Note</TableHead>
              <TableHead>Added</TableHead>
              <TableHead>Added by</TableHead>
              {canManage ? (
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              ) : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.data.items.map((s) => (
              <TableRow key={s.id}>
                <TableCell className="font-mono text-xs">
                  {s.address ?? (
                    <span className="font-sans text-muted-foreground">
                      {s.reason === "erased" ? "Erased contact" : "Not stored"}
                    </span>
                  )}
                </TableCell>
                <TableCell>{CHANNEL_META[s.channel].label}</TableCell>
                <TableCell>
                  <Badge variant={s.reason === "erased" ? "muted" : "outline"}>
                    {SUPPRESSION_REASON_LABELS[s.reason] ?? s.reason}
                  </Badge>
                </TableCell>
                <TableCell>{s.source}</TableCell>
                <TableCell className="max-w-xs truncate" title={s.note ?? undefined}>
                  {s.note ?? "—"}
                </TableCell>
                <TableCell className="whitespace-nowrap">{formatWhen(s.createdAt)}</TableCell>
                <TableCell>{s.createdBy ?? "—"}</TableCell>
                {canManage ? (
                  <TableCell className="text-right">
                    {s.removable ? (
                      <AlertDialog>
                        <AlertDialogTrigger asChild>
                          <Button variant="outline" size="sm" disabled={remove.isPending}>
                            Remove<span className="sr-only"> suppression of {s.address ?? "this address"}</span>
                          </Button>
                        </AlertDialogTrigger>
                        <AlertDialogContent>
                          <AlertDialogHeader>
                            <AlertDialogTitle>Remove this suppression?</AlertDialogTitle>
                            <AlertDialogDescription>
                              {s.address ?? "The address"} may be messaged on {CHANNEL_META[s.channel].label} again.{" "}
                              {NOT_CONSENT} The removal is recorded in the audit log.
                            </AlertDialogDescription>
                          </AlertDialogHeader>
                          <AlertDialogFooter>
                            <AlertDialogCancel>Cancel</AlertDialogCancel>
                            <AlertDialogAction onClick={() => remove.mutate({ id: s.id })}>
                              Remove suppression
                            </AlertDialogAction>
                          </AlertDialogFooter>
                        </AlertDialogContent>
                      </AlertDialog>
                    ) : (
                      <Tooltip>
                        <TooltipTrigger asChild>
                          {/* A disabled button gets no pointer events: the wrapper carries the explanation. */}
                          <span tabIndex={0} className="inline-flex rounded-md">
                            <Button variant="outline" size="sm" disabled>
                              Remove<span className="sr-only"> (not possible: the contact was erased)</span>
                            </Button>
                          </span>
                        </TooltipTrigger>
                        <TooltipContent>
                          The contact was erased: this address must never be messaged again.
                        </TooltipContent>
                      </Tooltip>
                    )}
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      {list.data && (cursors.length > 1 || list.data.nextCursor) ? (
        <nav
          aria-label="Pagination"
          className="flex items-center justify-between gap-3 border-t px-4 py-3 text-sm sm:px-6"
        >
          <span className="text-muted-foreground">Page {cursors.length}</span>
          <div className="flex gap-2">
            <Button
              variant="outline"
              size="sm"
              disabled={cursors.length <= 1}
              onClick={() => setCursors((c) => c.slice(0, -1))}
            >
              <ChevronLeftIcon aria-hidden />
              Previous
            </Button>
            <Button
              variant="outline"
              size="sm"
              disabled={!list.data.nextCursor}
              onClick={() => setCursors((c) => [...c, list.data.nextCursor ?? undefined])}
            >
              Next
              <ChevronRightIcon aria-hidden />
            </Button>
          </div>
        </nav>
      ) : null}

      {canManage ? (
        <AddSuppressionDialog open={adding} onOpenChange={setAdding} onAdded={() => void invalidate()} />
      ) : null}
    </Card>
  );
}

function AddSuppressionDialog({
  open,
  onOpenChange,
  onAdded,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onAdded: () => void;
}) {
  const trpc = useTRPC();
  const [address, setAddress] = React.useState("");
  const [channel, setChannel] = React.useState<Channel | null>(null);
  const [note, setNote] = React.useState("");
  /** The channel follows the address (`@` → email) until one is picked. */
  const effectiveChannel: Channel = channel ?? (address.includes("@") || !address.trim() ? "email" : "sms");
  const add = useMutation(
    trpc.suppressions.add.mutationOptions({
      onSuccess: (result) => {
        toast.success(
          result.created
            ? `${result.suppression.address ?? "Address"} suppressed on ${CHANNEL_META[result.suppression.channel].label}`
            : `${result.suppression.address ?? "This address"} was already suppressed on ${CHANNEL_META[result.suppression.channel].label}`,
        );
        setAddress("");
        setNote("");
        setChannel(null);
        onOpenChange(false);
        onAdded();
      },
    }),
  );
  const errors = add.error ? formErrorsFrom(add.error, { fallbackField: "address" }) : null;
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (!next) add.reset();
        onOpenChange(next);
      }}
    >
      <DialogContent>
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate({ address, channel: effectiveChannel, note: note.trim() || undefined });
          }}
        >
          <DialogHeader>
            <DialogTitle>Add a suppression</DialogTitle>
            <DialogDescription>
              Nothing will be sent to this address on the channel, whatever its consent. Adding an address that is
              already suppressed changes nothing.
            </DialogDescription>
          </DialogHeader>
          <FormField label="Address" required error={errors ? fieldError(errors.fieldErrors, "address") : undefined}>
            <Input
              name="address"
              autoComplete="off"
              placeholder="ann@example.com or +1 415 555 0100"
              value={address}
              onChange={(e) => setAddress(e.target.value)}
            />
          </FormField>
          <div className="grid gap-2">
            <Label htmlFor="add-suppression-channel">Channel</Label>
            <Select value={effectiveChannel} onValueChange={(v) => setChannel(v as Channel)}>
              <SelectTrigger id="add-suppression-channel" className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {CHANNELS.map((c) => (
                  <SelectItem key={c} value={c}>
                    {CHANNEL_META[c].label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <FormField
            label="Note"
            description="Why it is added (at most 500 characters). Visible to every member."
            error={errors ? fieldError(errors.fieldErrors, "note") : undefined}
          >
            <Textarea name="note" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
          </FormField>
          {errors && !errors.fieldErrors.address && !errors.fieldErrors.note ? (
            <p role="alert" className="text-sm text-destructive">
              {errors.formError}
            </p>
          ) : null}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={add.isPending}>
              Add suppression
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
