"use client";

import * as React from "react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { MenuIcon } from "lucide-react";

import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Sheet, SheetContent, SheetDescription, SheetTitle, SheetTrigger } from "@/components/ui/sheet";

import { NotificationBell } from "@/components/notifications/notification-bell";

import { Logo } from "./logo";
import { isActivePath, mainNav, secondaryNav, type NavItem } from "./nav";
import { UserMenu, type ShellUser } from "./user-menu";
import { WorkspaceSwitcher, type ShellWorkspace, type SwitchWorkspaceAction } from "./workspace-switcher";

export type AppShellProps = {
  workspaceId: string;
  workspaceName: string;
  /** Every workspace the user belongs to, for the switcher. */
  workspaces: ShellWorkspace[];
  switchWorkspaceAction: SwitchWorkspaceAction;
  user: ShellUser;
  signOutAction: () => void | Promise<void>;
  children: React.ReactNode;
};

/**
 * Signed-in chrome: on desktop (lg+) a sidebar the height of the window that stays in place on
 * long pages (sticky, scrolling on its own when the nav is taller than the window); top bar +
 * slide-over nav below. The content column may shrink (min-w-0), so a wide table scrolls or
 * truncates inside the page instead of widening it.
 * Presentational only — pass data and the sign-out server action from a Server Component.
 */
export function AppShell({
  workspaceId,
  workspaceName,
  workspaces,
  switchWorkspaceAction,
  user,
  signOutAction,
  children,
}: AppShellProps) {
  const pathname = usePathname() ?? "/";
  const [mobileOpen, setMobileOpen] = React.useState(false);

  return (
    <div className="min-h-svh bg-background lg:flex">
      <a
        href="#main-content"
        className="sr-only z-[60] rounded-md border bg-background text-sm font-medium shadow-md focus:not-sr-only focus:fixed focus:top-3 focus:left-3 focus:px-3 focus:py-2 focus:ring-[3px] focus:ring-ring/50 focus:outline-none"
      >
        Skip to content
      </a>

      {/* Desktop sidebar */}
      <aside className="sticky top-0 z-30 hidden h-screen w-64 shrink-0 overflow-y-auto border-r border-sidebar-border bg-sidebar text-sidebar-foreground lg:block">
        <SidebarContents
          pathname={pathname}
          workspace={{ id: workspaceId, name: workspaceName }}
          workspaces={workspaces}
          switchWorkspaceAction={switchWorkspaceAction}
          user={user}
          signOutAction={signOutAction}
          bell
        />
      </aside>

      <div className="flex min-h-svh min-w-0 flex-col lg:flex-1">
        {/* Mobile top bar */}
        <header className="sticky top-0 z-20 flex h-14 items-center gap-2 border-b bg-background/85 px-3 backdrop-blur-md supports-[backdrop-filter]:bg-background/70 sm:px-4 lg:hidden">
          <Sheet open={mobileOpen} onOpenChange={setMobileOpen}>
            <SheetTrigger asChild>
              <Button variant="ghost" size="icon" aria-label="Open navigation">
                <MenuIcon className="size-5" />
              </Button>
            </SheetTrigger>
            <SheetContent
              side="left"
              className="w-72 gap-0 border-sidebar-border bg-sidebar p-0 text-sidebar-foreground sm:max-w-72"
            >
              <SheetTitle className="sr-only">Navigation</SheetTitle>
              <SheetDescription className="sr-only">Main navigation for {workspaceName}</SheetDescription>
              <SidebarContents
                pathname={pathname}
                workspace={{ id: workspaceId, name: workspaceName }}
                workspaces={workspaces}
                switchWorkspaceAction={switchWorkspaceAction}
                user={user}
                signOutAction={signOutAction}
                onNavigate={() => setMobileOpen(false)}
              />
            </SheetContent>
          </Sheet>
          <Link href="/" className="rounded-md outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50">
            <Logo />
          </Link>
          <div className="ml-auto flex items-center gap-1">
            <NotificationBell />
            <UserMenu user={user} signOutAction={signOutAction} variant="compact" />
          </div>
        </header>

        <main id="main-content" tabIndex={-1} className="flex-1 outline-none">
          <div className="mx-auto w-full max-w-6xl px-4 py-6 sm:px-6 sm:py-8 lg:px-10 lg:py-10">{children}</div>
        </main>
      </div>
    </div>
  );
}

function SidebarContents({
  pathname,
  workspace,
  workspaces,
  switchWorkspaceAction,
  user,
  signOutAction,
  onNavigate,
  bell = false,
}: {
  pathname: string;
  workspace: { id: string; name: string };
  workspaces: ShellWorkspace[];
  switchWorkspaceAction: SwitchWorkspaceAction;
  user: ShellUser;
  signOutAction: () => void | Promise<void>;
  onNavigate?: () => void;
  /** Shows the notification bell beside the logo (the desktop sidebar; the mobile top bar has its own). */
  bell?: boolean;
}) {
  return (
    <div className="flex h-full flex-col">
      <div className="flex h-14 shrink-0 items-center justify-between gap-2 px-4">
        <Link
          href="/"
          onClick={onNavigate}
          className="rounded-md outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
        >
          <Logo />
        </Link>
        {bell ? <NotificationBell className="-mr-2" /> : null}
      </div>

      <div className="px-3 pt-1 pb-3">
        <WorkspaceSwitcher
          current={workspace}
          workspaces={workspaces}
          switchWorkspaceAction={switchWorkspaceAction}
          onNavigate={onNavigate}
        />
      </div>

      <nav aria-label="Main" className="flex min-h-0 flex-1 flex-col overflow-y-auto px-3 py-1">
        <NavList items={mainNav} pathname={pathname} onNavigate={onNavigate} />
        <div className="mt-auto pt-4">
          <NavList items={secondaryNav} pathname={pathname} onNavigate={onNavigate} />
        </div>
      </nav>

      <div className="shrink-0 border-t border-sidebar-border p-3">
        <UserMenu user={user} signOutAction={signOutAction} variant="sidebar" />
      </div>
    </div>
  );
}

function NavList({ items, pathname, onNavigate }: { items: NavItem[]; pathname: string; onNavigate?: () => void }) {
  return (
    <ul className="flex flex-col gap-0.5">
      {items.map((item) => {
        const active = isActivePath(pathname, item.href);
        const Icon = item.icon;
        if (item.available === false) {
          return (
            <li key={item.href}>
              <span
                aria-disabled="true"
                title={`${item.label} arrives in a coming release`}
                className="flex h-9 cursor-not-allowed items-center gap-3 rounded-md px-2.5 text-sm font-medium text-sidebar-foreground/45 lg:h-8"
              >
                <Icon aria-hidden="true" className="size-4 shrink-0 text-muted-foreground/60" />
                <span className="truncate">{item.label}</span>
                <span className="ml-auto rounded border border-sidebar-border px-1.5 text-[10px] tracking-wide text-muted-foreground uppercase">
                  Soon
                </span>
              </span>
            </li>
          );
        }
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              onClick={onNavigate}
              aria-current={active ? "page" : undefined}
              data-active={active || undefined}
              className={cn(
                "group flex h-9 items-center gap-3 rounded-md px-2.5 text-sm font-medium text-sidebar-foreground/80 transition-colors outline-none hover:bg-sidebar-accent hover:text-sidebar-accent-foreground focus-visible:ring-[3px] focus-visible:ring-sidebar-ring/50 lg:h-8",
                "data-[active]:bg-sidebar-accent data-[active]:text-sidebar-accent-foreground data-[active]:shadow-[inset_0_0_0_1px_var(--sidebar-border)]",
              )}
            >
              <Icon
                aria-hidden="true"
                className="size-4 shrink-0 text-muted-foreground transition-colors group-hover:text-sidebar-accent-foreground group-data-[active]:text-primary"
              />
              <span className="truncate">{item.label}</span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
