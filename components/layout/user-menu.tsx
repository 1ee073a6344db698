"use client";

import * as React from "react";
import { ChevronsUpDownIcon, LogOutIcon, MonitorIcon, MoonIcon, SunIcon } from "lucide-react";

import { Avatar, AvatarFallback } from "@/components/ui/avatar";
import { initialsFor } from "@/components/ui/initials";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuGroup,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Spinner } from "@/components/ui/spinner";

import type { ThemePreference } from "./theme";
import { useTheme } from "./use-theme";

export type ShellUser = { name: string | null; email: string; role: string };

type UserMenuProps = {
  user: ShellUser;
  signOutAction: () => void | Promise<void>;
  /** "sidebar": full-width row with name and e-mail; "compact": avatar button (mobile top bar). */
  variant?: "sidebar" | "compact";
};

function formatRole(role: string): string {
  const clean = role.replace(/[_-]+/g, " ").trim();
  return clean ? clean.charAt(0).toUpperCase() + clean.slice(1) : role;
}

export function UserMenu({ user, signOutAction, variant = "sidebar" }: UserMenuProps) {
  const [theme, setTheme] = useTheme();
  const [pending, startTransition] = React.useTransition();
  const displayName = user.name?.trim() || user.email;
  const initials = initialsFor(user.name, user.email);

  const avatar = (
    <Avatar className="size-8">
      <AvatarFallback className="bg-primary/12 text-[11px] font-semibold text-primary dark:bg-primary/20">
        {initials}
      </AvatarFallback>
    </Avatar>
  );

  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        className={cn(
          "outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50",
          variant === "sidebar"
            ? "flex w-full items-center gap-2.5 rounded-lg p-1.5 text-left transition-colors hover:bg-sidebar-accent data-[state=open]:bg-sidebar-accent"
            : "rounded-full",
        )}
        aria-label={variant === "compact" ? `Account menu for ${displayName}` : undefined}
      >
        {avatar}
        {variant === "sidebar" ? (
          <>
            <span className="grid min-w-0 flex-1 leading-tight">
              <span className="truncate text-sm font-medium text-sidebar-accent-foreground">{displayName}</span>
              {user.name ? <span className="truncate text-xs text-muted-foreground">{user.email}</span> : null}
            </span>
            <ChevronsUpDownIcon className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
          </>
        ) : null}
      </DropdownMenuTrigger>
      <DropdownMenuContent
        side={variant === "sidebar" ? "top" : "bottom"}
        align={variant === "sidebar" ? "start" : "end"}
        sideOffset={8}
        className={cn("w-64", variant === "sidebar" && "w-(--radix-dropdown-menu-trigger-width) min-w-60")}
      >
        <DropdownMenuLabel className="flex items-center gap-3 py-2 font-normal">
          {avatar}
          <span className="grid min-w-0 flex-1 gap-1 leading-tight">
            <span className="flex min-w-0 items-center gap-2">
              <span className="truncate text-sm font-medium">{displayName}</span>
              <Badge variant="muted" className="px-1.5 py-0 text-[11px] leading-4">
                {formatRole(user.role)}
              </Badge>
            </span>
            {user.name ? <span className="truncate text-xs text-muted-foreground">{user.email}</span> : null}
          </span>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuLabel className="pt-1 pb-1 text-xs font-normal text-muted-foreground">Theme</DropdownMenuLabel>
        <DropdownMenuRadioGroup value={theme} onValueChange={(value) => setTheme(value as ThemePreference)}>
          <DropdownMenuRadioItem value="light" onSelect={(e) => e.preventDefault()}>
            <SunIcon className="text-muted-foreground" /> Light
          </DropdownMenuRadioItem>
          <DropdownMenuRadioItem value="dark" onSelect={(e) => e.preventDefault()}>
            <MoonIcon className="text-muted-foreground" /> Dark
          </DropdownMenuRadioItem>
          <DropdownMenuRadioItem value="system" onSelect={(e) => e.preventDefault()}>
            <MonitorIcon className="text-muted-foreground" /> System
          </DropdownMenuRadioItem>
        </DropdownMenuRadioGroup>
        <DropdownMenuSeparator />
        <DropdownMenuGroup>
          <DropdownMenuItem
            disabled={pending}
            onSelect={(event) => {
              // Keep the menu mounted while the server action runs (it usually redirects).
              event.preventDefault();
              startTransition(async () => {
                await signOutAction();
              });
            }}
          >
            {pending ? <Spinner label="Signing out" /> : <LogOutIcon />}
            {pending ? "Signing out…" : "Sign out"}
          </DropdownMenuItem>
        </DropdownMenuGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
