"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { DownloadIcon, FileTextIcon, Trash2Icon } from "lucide-react";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";

/** The word typed to confirm an erasure. */
export const ERASE_CONFIRMATION = "ERASE";

/** "Export data": the contact's data export as a JSON download or a readable, printable page. */
export function ExportContactMenu({ id }: { id: string }) {
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="outline">
          <DownloadIcon />
          Export data
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem asChild>
          <a href={`/api/contacts/${id}/export.json`} download>
            <DownloadIcon />
            Download JSON
          </a>
        </DropdownMenuItem>
        <DropdownMenuItem asChild>
          <a href={`/api/contacts/${id}/export.html`} target="_blank" rel="noopener">
            <FileTextIcon />
            Open printable page
          </a>
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

/**
 * "Erase contact" (owners and admins): a dialog that names the contact and asks for the word
 * ERASE before it destroys their personal data for good.
 */
export function EraseContactButton({ id, label, onErased }: { id: string; label: string; onErased: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const [typed, setTyped] = React.useState("");
  const erase = useMutation(
    trpc.contacts.erase.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        toast.success("Contact erased. Their addresses are suppressed.");
        onErased();
        // Profile, history, messages and lists all read as erased now.
        void queryClient.invalidateQueries();
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const confirmed = typed.trim() === ERASE_CONFIRMATION;
  return (
    <>
      <Button
        variant="outline"
        className="text-destructive hover:text-destructive"
        onClick={() => {
          setTyped("");
          setOpen(true);
        }}
      >
        <Trash2Icon />
        Erase contact
      </Button>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent>
          <form
            className="grid gap-4"
            onSubmit={(event) => {
              event.preventDefault();
              if (confirmed) erase.mutate({ id });
            }}
          >
            <DialogHeader>
              <DialogTitle>Erase {label}?</DialogTitle>
              <DialogDescription>
                Their addresses, names, attributes and tags, the ip, browser and notes of their consent records, and the
                content of their messages are destroyed for good. Their addresses are suppressed, so they are not
                messaged again unless they opt in anew. This cannot be undone.
              </DialogDescription>
            </DialogHeader>
            <div className="grid gap-2">
              <Label htmlFor="erase-confirmation">Type {ERASE_CONFIRMATION} to confirm</Label>
              <Input
                id="erase-confirmation"
                autoComplete="off"
                value={typed}
                onChange={(event) => setTyped(event.target.value)}
              />
            </div>
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" variant="destructive" disabled={!confirmed} loading={erase.isPending}>
                Erase contact
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
    </>
  );
}
