import type { Metadata } from "next";
import { ScheduledReports, type ScheduleDraftParams } from "@/components/reports/scheduled-reports";
import { PageHeader } from "@/components/ui/page-header";
import { getServerCaller } from "@/server/api/server-caller";

export const metadata: Metadata = { title: "Scheduled reports" };

export default async function ReportsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { caller } = await getServerCaller();
  const [membership, messaging, topicList, params] = await Promise.all([
    caller.workspace.current(),
    caller.messagingSettings.get(),
    caller.topics.list(),
    searchParams,
  ]);
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);
  const draft: ScheduleDraftParams | null =
    one(params.new) === "dashboard" || one(params.new) === "campaign"
      ? {
          kind: one(params.new) as "dashboard" | "campaign",
          campaignId: one(params.campaignId),
          topic: one(params.topic),
          channel:
            one(params.channel) === "email" || one(params.channel) === "sms"
              ? (one(params.channel) as "email" | "sms")
              : undefined,
        }
      : null;
  return (
    <>
      <PageHeader
        title="Scheduled reports"
        description="Email the dashboard or a campaign's report as a PDF to members of the workspace, on a schedule."
      />
      <ScheduledReports
        canEdit={membership.role !== "viewer"}
        defaultTimezone={messaging.timezone}
        topics={topicList.items.map((t) => ({ key: t.key, name: t.name }))}
        draft={draft}
      />
    </>
  );
}
