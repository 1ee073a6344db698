import type { Metadata } from "next";
import Link from "next/link";
import { ActivityIcon, CheckCircle2Icon, CircleIcon, KeyRoundIcon, UsersIcon, GlobeIcon, CpuIcon } from "lucide-react";
import { AnalyticsDashboard, type DashboardParams } from "@/components/analytics/analytics-dashboard";
import { describeAction, describeActor } from "@/components/audit/describe-action";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { getServerCaller } from "@/server/api/server-caller";
import { getEnv } from "@/server/lib/env";
import { todayIn } from "@/server/shared/analytics";

export const metadata: Metadata = { title: "Dashboard" };

function Stat({
  icon: Icon,
  label,
  value,
  hint,
}: {
  icon: typeof UsersIcon;
  label: string;
  value: string;
  hint?: string;
}) {
  return (
    <Card className="gap-2 py-4">
      <CardHeader className="px-4">
        <CardDescription className="flex items-center gap-2">
          <Icon className="size-4" aria-hidden />
          {label}
        </CardDescription>
        <CardTitle className="text-2xl tabular-nums">{value}</CardTitle>
      </CardHeader>
      {hint ? <CardContent className="px-4 text-xs text-muted-foreground">{hint}</CardContent> : null}
    </Card>
  );
}

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * The home page: the analytics dashboard (filters in the URL), then the workspace at a glance
 * (members, keys, jobs) and, for admins, the first steps and the latest audit entries.
 */
export default async function DashboardPage(props: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const searchParams = await props.searchParams;
  const params: DashboardParams = {
    range: one(searchParams.range),
    from: one(searchParams.from),
    to: one(searchParams.to),
    topic: one(searchParams.topic),
    channel: one(searchParams.channel),
  };
  const { caller } = await getServerCaller();
  const membership = await caller.workspace.current();
  const isAdmin = membership.role === "owner" || membership.role === "admin";
  const [workspace, members, keys, activity, messaging, topicList] = await Promise.all([
    caller.workspace.get(),
    caller.members.list(),
    isAdmin ? caller.apiKeys.list() : Promise.resolve(null),
    isAdmin ? caller.audit.list({ limit: 5 }) : Promise.resolve(null),
    caller.messagingSettings.get(),
    caller.topics.list(),
  ]);
  const today = todayIn(new Date(), messaging.timezone);
  const topics = topicList.items.map((t) => ({ key: t.key, name: t.name }));
  const activeKeys = keys?.items.filter((k) => !k.revokedAt).length;
  const env = getEnv();
  const steps = [
    {
      done: (keys?.items.length ?? 0) > 0,
      title: "Create an API key",
      body: "Connect your app to the REST API.",
      href: "/settings/api-keys",
    },
    {
      done: members.members.length > 1 || members.invitations.length > 0,
      title: "Invite a teammate",
      body: "Marketers manage contacts, templates and sends; viewers see masked data.",
      href: "/settings/members",
    },
    {
      done: workspace.name !== "My Workspace",
      title: "Name your workspace",
      body: "Contacts see this name on every hosted page.",
      href: "/settings",
    },
  ];

  return (
    <div className="grid gap-6">
      <PageHeader
        title={`Welcome${membership.user.name ? `, ${membership.user.name}` : ""}`}
        description={`Delivery, consent and engagement of ${workspace.name}.`}
      />
      <AnalyticsDashboard key={JSON.stringify(params)} params={params} today={today} topics={topics} />
      <h2 className="mt-4 text-lg font-semibold tracking-tight">Workspace</h2>
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Stat
          icon={UsersIcon}
          label="Members"
          value={String(members.members.length)}
          hint={members.invitations.length ? `${members.invitations.length} invitation(s) pending` : undefined}
        />
        <Stat icon={KeyRoundIcon} label="Active API keys" value={activeKeys === undefined ? "—" : String(activeKeys)} />
        <Stat
          icon={GlobeIcon}
          label="Default region"
          value={workspace.defaultRegion}
          hint="Used to read national phone numbers"
        />
        <Stat
          icon={CpuIcon}
          label="Background jobs"
          value={env.isInngestServerConfigured ? "Inngest" : "In-process"}
          hint={env.isInngestServerConfigured ? "Driven by the Inngest server" : "Runs inside this server"}
        />
      </div>
      <div className="grid gap-4 lg:grid-cols-5">
        {isAdmin ? (
          <Card className="lg:col-span-2">
            <CardHeader>
              <CardTitle>Get started</CardTitle>
              <CardDescription>A few steps to a working workspace.</CardDescription>
            </CardHeader>
            <CardContent>
              <ul className="grid gap-3">
                {steps.map((step) => (
                  <li key={step.title} className="flex items-start gap-3">
                    {step.done ? (
                      <CheckCircle2Icon className="mt-0.5 size-5 shrink-0 text-primary" aria-label="Done" />
                    ) : (
                      <CircleIcon className="mt-0.5 size-5 shrink-0 text-muted-foreground" aria-label="To do" />
                    )}
                    <div className="min-w-0 flex-1">
                      <Link href={step.href} className="font-medium hover:underline">
                        {step.title}
                      </Link>
                      <p className="text-sm text-muted-foreground">{step.body}</p>
                    </div>
                  </li>
                ))}
              </ul>
            </CardContent>
          </Card>
        ) : null}
        <Card className={isAdmin ? "lg:col-span-3" : "lg:col-span-5"}>
          <CardHeader>
            <CardTitle>Recent activity</CardTitle>
            <CardDescription>Every admin action is recorded in the audit log.</CardDescription>
          </CardHeader>
          <CardContent>
            {activity === null ? (
              <p className="text-sm text-muted-foreground">Activity is visible to admins and owners.</p>
            ) : activity.length === 0 ? (
              <EmptyState
                icon={ActivityIcon}
                title="No activity yet"
                description="Actions in this workspace will show up here."
              />
            ) : (
              <ul className="divide-y">
                {activity.map((entry) => (
                  <li key={entry.id} className="flex flex-wrap items-center justify-between gap-2 py-2.5 text-sm">
                    <span>
                      <span className="font-medium">{describeActor(entry)}</span> {describeAction(entry.action)}
                      {entry.after && typeof entry.after.role === "string" ? (
                        <Badge variant="secondary" className="ml-2">
                          {entry.after.role}
                        </Badge>
                      ) : null}
                    </span>
                    <time className="text-xs text-muted-foreground" dateTime={entry.createdAt.toISOString()}>
                      {entry.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC
                    </time>
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
      </div>
      {isAdmin && (keys?.items.length ?? 0) === 0 ? (
        <div>
          <Button asChild>
            <Link href="/settings/api-keys">Create your first API key</Link>
          </Button>
        </div>
      ) : null}
    </div>
  );
}
