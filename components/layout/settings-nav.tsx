"use client";

import * as React from "react";
import Link from "next/link";
import { usePathname } from "next/navigation";

import { cn } from "@/components/ui/cn";

export type SettingsNavItem = { href: string; label: string };

export const settingsNav: SettingsNavItem[] = [
  { href: "/settings", label: "General" },
  { href: "/settings/members", label: "Members" },
  { href: "/settings/api-keys", label: "API keys" },
  { href: "/settings/topics", label: "Topics" },
  { href: "/settings/messaging", label: "Messaging" },
  { href: "/settings/suppressions", label: "Suppressions" },
  { href: "/settings/retention", label: "Data retention" },
  { href: "/settings/audit", label: "Audit log" },
  { href: "/settings/account", label: "Your account" },
];

function isActive(pathname: string, href: string): boolean {
  if (href === "/settings") return pathname === "/settings";
  return pathname === href || pathname.startsWith(`${href}/`);
}

/** Underlined tab-style links for the Settings section. Place under the PageHeader. */
export function SettingsNav({ items = settingsNav, className }: { items?: SettingsNavItem[]; className?: string }) {
  const pathname = usePathname() ?? "";

  return (
    <nav
      aria-label="Settings"
      className={cn("-mx-4 mb-6 overflow-x-auto border-b px-4 sm:mx-0 sm:mb-8 sm:px-0", className)}
    >
      <ul className="flex min-w-max gap-5">
        {items.map((item) => {
          const active = isActive(pathname, item.href);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={active ? "page" : undefined}
                data-active={active || undefined}
                className={cn(
                  "relative inline-flex h-10 items-center rounded-sm text-sm font-medium text-muted-foreground transition-colors outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50",
                  "after:absolute after:inset-x-0 after:-bottom-px after:h-0.5 after:rounded-full after:bg-transparent after:transition-colors",
                  "data-[active]:text-foreground data-[active]:after:bg-primary",
                )}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
