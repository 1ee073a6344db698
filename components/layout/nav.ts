import {
  CalendarClockIcon,
  ClipboardListIcon,
  FileTextIcon,
  FilterIcon,
  LayoutDashboardIcon,
  MegaphoneIcon,
  MessagesSquareIcon,
  SettingsIcon,
  UsersIcon,
  type LucideIcon,
} from "lucide-react";

export type NavItem = {
  href: string;
  label: string;
  icon: LucideIcon;
  /**
   * False while the section is not built yet: shown greyed out with a "Soon" tag and no link,
   * so the navigation tells the truth instead of leading to an empty page.
   */
  available?: boolean;
};

/** Primary navigation of the signed-in app (AppShell sidebar and mobile sheet). */
export const mainNav: NavItem[] = [
  { href: "/", label: "Dashboard", icon: LayoutDashboardIcon },
  { href: "/contacts", label: "Contacts", icon: UsersIcon },
  { href: "/segments", label: "Segments", icon: FilterIcon },
  { href: "/campaigns", label: "Campaigns", icon: MegaphoneIcon },
  { href: "/forms", label: "Forms", icon: ClipboardListIcon },
  { href: "/templates", label: "Templates", icon: FileTextIcon },
  { href: "/messages", label: "Messages", icon: MessagesSquareIcon },
  { href: "/reports", label: "Reports", icon: CalendarClockIcon },
];

export const secondaryNav: NavItem[] = [{ href: "/settings", label: "Settings", icon: SettingsIcon }];

/** "/" matches only itself; any other href also matches its sub-paths. */
export function isActivePath(pathname: string, href: string): boolean {
  if (href === "/") return pathname === "/";
  return pathname === href || pathname.startsWith(`${href}/`);
}
