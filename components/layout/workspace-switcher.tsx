"use client";

import * as React from "react";
import { usePathname } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { CheckIcon, ChevronsUpDownIcon, PlusIcon } from "lucide-react";

import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
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
  DropdownMenuGroup,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { FormField } from "@/components/ui/form-field";
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { toast } from "@/components/ui/toaster";

export type ShellWorkspace = { id: string; name: string; role: string };
/** Server action that makes a workspace the current one (sets the workspace cookie). */
export type SwitchWorkspaceAction = (workspaceId: string) => Promise<{ ok: true } | { ok: false; error: string }>;

function initialOf(name: string): string {
  return name.trim().charAt(0).toUpperCase() || "W";
}

function formatRole(role: string): string {
  return role ? role.charAt(0).toUpperCase() + role.slice(1) : role;
}

function WorkspaceBadge({ name, className }: { name: string; className?: string }) {
  return (
    <span
      aria-hidden="true"
      className={cn(
        "flex size-7 shrink-0 items-center justify-center rounded-md bg-gradient-to-br from-primary/20 to-primary/5 text-xs font-semibold text-primary ring-1 ring-primary/15 ring-inset",
        className,
      )}
    >
      {initialOf(name)}
    </span>
  );
}

/**
 * The current workspace in the sidebar, as a menu: the user's workspaces (switching sets the
 * workspace cookie through a server action, then loads the section the user is in afresh, since ids
 * of one workspace mean nothing in another) and "New workspace".
 */
export function WorkspaceSwitcher({
  current,
  workspaces,
  switchWorkspaceAction,
  onNavigate,
}: {
  current: { id: string; name: string };
  workspaces: ShellWorkspace[];
  switchWorkspaceAction: SwitchWorkspaceAction;
  onNavigate?: () => void;
}) {
  const pathname = usePathname() ?? "/";
  const [creating, setCreating] = React.useState(false);
  const [switchingTo, setSwitchingTo] = React.useState<string | null>(null);
  const [, startTransition] = React.useTransition();

  const switchTo = React.useCallback(
    (workspaceId: string, target?: string) => {
      setSwitchingTo(workspaceId);
      startTransition(async () => {
        const result = await switchWorkspaceAction(workspaceId);
        if (!result.ok) {
          setSwitchingTo(null);
          toast.error(result.error);
          return;
        }
        // The section the user is in (its list page), never a record of the previous workspace.
        // A full load: every client cache of the previous workspace's data goes with it.
        const section = `/${pathname.split("/")[1] ?? ""}`;
        onNavigate?.();
        window.location.assign(target ?? section);
      });
    },
    [onNavigate, pathname, switchWorkspaceAction],
  );

  return (
    <>
      <DropdownMenu>
        <DropdownMenuTrigger
          data-testid="workspace-switcher"
          className="flex w-full items-center gap-2.5 rounded-lg border border-sidebar-border bg-background px-2.5 py-2 text-left shadow-xs transition-colors outline-none hover:bg-sidebar-accent focus-visible:ring-[3px] focus-visible:ring-ring/50 data-[state=open]:bg-sidebar-accent dark:bg-sidebar-accent/40"
        >
          <WorkspaceBadge name={current.name} />
          <span className="grid min-w-0 flex-1 leading-tight">
            <span className="text-[11px] font-medium tracking-wide text-muted-foreground uppercase">Workspace</span>
            <span className="truncate text-sm font-medium text-sidebar-accent-foreground">{current.name}</span>
          </span>
          {switchingTo ? (
            <Spinner label="Switching workspace" />
          ) : (
            <ChevronsUpDownIcon className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
          )}
        </DropdownMenuTrigger>
        <DropdownMenuContent align="start" sideOffset={6} className="w-(--radix-dropdown-menu-trigger-width) min-w-60">
          <DropdownMenuLabel className="text-xs font-normal text-muted-foreground">Your workspaces</DropdownMenuLabel>
          <DropdownMenuGroup>
            {workspaces.map((workspace) => {
              const isCurrent = workspace.id === current.id;
              return (
                <DropdownMenuItem
                  key={workspace.id}
                  aria-current={isCurrent ? "true" : undefined}
                  disabled={switchingTo !== null}
                  onSelect={() => {
                    if (!isCurrent) switchTo(workspace.id);
                  }}
                  className="gap-2.5"
                >
                  <WorkspaceBadge name={workspace.name} className="size-6 text-[11px]" />
                  <span className="grid min-w-0 flex-1 leading-tight">
                    <span className="truncate">{workspace.name}</span>
                    <span className="text-xs text-muted-foreground">{formatRole(workspace.role)}</span>
                  </span>
                  {isCurrent ? (
                    <>
                      <CheckIcon className="size-4 text-primary" aria-hidden="true" />
                      <span className="sr-only">(current)</span>
                    </>
                  ) : null}
                </DropdownMenuItem>
              );
            })}
          </DropdownMenuGroup>
          <DropdownMenuSeparator />
          <DropdownMenuItem onSelect={() => setCreating(true)} className="gap-2.5">
            <span
              aria-hidden="true"
              className="flex size-6 items-center justify-center rounded-md border border-dashed"
            >
              <PlusIcon className="size-3.5" />
            </span>
            New workspace
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>

      <Dialog open={creating} onOpenChange={setCreating}>
        <DialogContent className="sm:max-w-md">
          {creating ? (
            <NewWorkspaceForm onClose={() => setCreating(false)} onCreated={(id) => switchTo(id, "/")} />
          ) : null}
        </DialogContent>
      </Dialog>
    </>
  );
}

/** Mounted each time the dialog opens, so it starts empty. */
function NewWorkspaceForm({ onClose, onCreated }: { onClose: () => void; onCreated: (workspaceId: string) => void }) {
  const trpc = useTRPC();
  const [name, setName] = React.useState("");
  const [region, setRegion] = React.useState("US");
  const [errors, setErrors] = React.useState<{ name?: string; defaultRegion?: string }>({});

  const create = useMutation(
    trpc.workspace.create.mutationOptions({
      onSuccess: (workspace) => {
        toast.success(`Workspace “${workspace.name}” created`);
        onClose();
        onCreated(workspace.id);
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error, { fallbackField: "name" });
        setErrors({ name: fieldError(fieldErrors, "name"), defaultRegion: fieldError(fieldErrors, "defaultRegion") });
        toast.error(formError);
      },
    }),
  );

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setErrors({ name: "Name is required" });
      return;
    }
    setErrors({});
    create.mutate({ name: trimmed, defaultRegion: region.trim() });
  };

  return (
    <form className="grid gap-4" onSubmit={submit} noValidate>
      <DialogHeader>
        <DialogTitle>New workspace</DialogTitle>
        <DialogDescription>
          A workspace is a brand with its own contacts, consent, templates and API keys. You become its owner; invite
          others from its settings.
        </DialogDescription>
      </DialogHeader>
      <FormField
        label="Name"
        required
        error={errors.name}
        description="Shown to contacts as the brand in messages and on their pages."
      >
        <Input
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setErrors((current) => ({ ...current, name: undefined }));
          }}
          autoComplete="off"
          maxLength={100}
          placeholder="Acme Coffee"
          autoFocus
        />
      </FormField>
      <FormField
        label="Default region"
        required
        error={errors.defaultRegion}
        description="Two-letter country code used to read national phone numbers, e.g. US or GB."
      >
        <Input
          value={region}
          onChange={(e) => {
            setRegion(e.target.value.toUpperCase());
            setErrors((current) => ({ ...current, defaultRegion: undefined }));
          }}
          autoComplete="off"
          maxLength={2}
          className="w-24 uppercase"
        />
      </FormField>
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" loading={create.isPending}>
          {create.isPending ? "Creating…" : "Create workspace"}
        </Button>
      </DialogFooter>
    </form>
  );
}
