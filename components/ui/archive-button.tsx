"use client";

import { ArchiveIcon, ArchiveRestoreIcon } from "lucide-react";
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
} from "./alert-dialog";
import { Button } from "./button";
import { Spinner } from "./spinner";

/**
 * Archive (after a confirmation saying what archiving does) or bring back an archived item, e.g. a
 * template or a form. `noun` names the item ("template"), `restoreLabel` the way back.
 */
export function ArchiveButton({
  archived,
  pending,
  onConfirm,
  noun,
  consequences,
  restoreLabel,
}: {
  archived: boolean;
  pending: boolean;
  onConfirm: () => void;
  noun: string;
  consequences: React.ReactNode;
  restoreLabel: string;
}) {
  if (archived) {
    return (
      <Button type="button" variant="outline" disabled={pending} onClick={onConfirm}>
        {pending ? <Spinner /> : <ArchiveRestoreIcon />}
        {restoreLabel}
      </Button>
    );
  }
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button type="button" variant="outline" disabled={pending}>
          {pending ? <Spinner /> : <ArchiveIcon />}
          Archive
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Archive this {noun}?</AlertDialogTitle>
          <AlertDialogDescription>{consequences}</AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction onClick={onConfirm}>Archive {noun}</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
