import { SettingsNav } from "@/components/layout/settings-nav";
import { PageHeader } from "@/components/ui/page-header";

export default function SettingsLayout({ children }: { children: React.ReactNode }) {
  return (
    <div>
      <PageHeader title="Settings" description="Workspace, members and API access." />
      <SettingsNav className="mt-4" />
      {children}
    </div>
  );
}
