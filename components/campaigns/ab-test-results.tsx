"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
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
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { LoadError, LoadingRows } from "@/components/settings/table-states";
import type { TAbTestResults, TCampaign } from "@/server/services/campaigns";
import { abDecisionSentence, formatP, formatRate, liftSentence } from "./ab-test-text";
import { CardHeading } from "./card-heading";

const POLL_MS = 15_000;
const METRIC_LABEL = { opened: "opened", clicked: "clicked", replied: "replied" } as const;

/**
 * The A/B test card of a campaign page: per variant sent, delivered, opened, clicked (replied for
 * SMS), unsubscribed with rates; the test on the metric (p-value, and for two variants the 95%
 * CI of B − A); the decision in one plain sentence; "Choose this variant" (with confirmation)
 * while the rest has not started sending. Renders nothing for a campaign without a test.
 */
export function AbTestResultsCard({
  campaign,
  canEdit,
  live,
}: {
  campaign: TCampaign;
  canEdit: boolean;
  live: boolean;
}) {
  const trpc = useTRPC();
  const results = useQuery({
    ...trpc.campaigns.abTest.queryOptions({ id: campaign.id }),
    refetchInterval: live ? POLL_MS : false,
  });
  if (results.data && !results.data.settings) return null;
  return (
    <Card data-testid="ab-test-results">
      <CardHeader>
        <CardHeading>A/B test</CardHeading>
        <CardDescription>
          Part of the audience got the variants; the rest gets the one chosen. Rates are over sent messages.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {results.isPending ? (
          <LoadingRows label="Loading the A/B test" />
        ) : results.isError ? (
          <LoadError message={errorMessage(results.error)} onRetry={() => void results.refetch()} />
        ) : (
          <ResultsTable campaign={campaign} data={results.data} canEdit={canEdit} />
        )}
      </CardContent>
    </Card>
  );
}

function ResultsTable({ campaign, data, canEdit }: { campaign: TCampaign; data: TAbTestResults; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const choose = useMutation(
    trpc.campaigns.chooseVariant.mutationOptions({
      onSuccess: (next) => {
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.pathKey() });
        toast.success(`Variant ${next.winner} goes to the rest of the audience`);
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  const test = data.settings!;
  const sms = campaign.channel === "sms";
  const n = (value: number) => value.toLocaleString("en-US");
  const canChoose =
    canEdit && data.testRunId !== null && (data.remainderRunId === null || data.status !== "winner_chosen");
  const sig = data.significance;
  return (
    <div className="grid gap-4">
      <p className="text-sm font-medium" role="status" data-testid="ab-test-sentence">
        {abDecisionSentence(data)}
      </p>
      <Table>
        <caption className="sr-only">Results per variant, the test metric being {METRIC_LABEL[test.metric]}</caption>
        <TableHeader>
          <TableRow>
            <TableHead scope="col">Variant</TableHead>
            <TableHead scope="col" className="text-right">
              Sent
            </TableHead>
            <TableHead scope="col" className="text-right">
              Delivered
            </TableHead>
            {sms ? null : (
              <TableHead scope="col" className="text-right">
                Opened
              </TableHead>
            )}
            <TableHead scope="col" className="text-right">
              Clicked
            </TableHead>
            {sms ? (
              <TableHead scope="col" className="text-right">
                Replied
              </TableHead>
            ) : null}
            <TableHead scope="col" className="text-right">
              Unsubscribed
            </TableHead>
            {canChoose ? (
              <TableHead scope="col">
                <span className="sr-only">Actions</span>
              </TableHead>
            ) : null}
          </TableRow>
        </TableHeader>
        <TableBody>
          {data.variants.map((v) => (
            <TableRow key={v.key} data-testid={`ab-variant-${v.key}`}>
              <TableHead scope="row" className="font-medium">
                <div className="flex flex-wrap items-center gap-2">
                  <span>{v.label}</span>
                  {v.sendTime ? <span className="text-xs text-muted-foreground">(variant {v.key})</span> : null}
                  {v.isDefault ? <Badge variant="outline">Default</Badge> : null}
                  {v.isWinner ? <Badge>Sent to the rest</Badge> : null}
                </div>
                {v.subject ? <div className="text-xs font-normal text-muted-foreground">{v.subject}</div> : null}
                {v.sendTime?.mode === "best_hour" ? (
                  <div className="text-xs font-normal text-muted-foreground">
                    Within {v.sendTime.windowHours} h of the start
                  </div>
                ) : null}
                {v.senderName ? (
                  <div className="text-xs font-normal text-muted-foreground">From {v.senderName}</div>
                ) : null}
              </TableHead>
              <TableCell className="text-right tabular-nums">{n(v.sent)}</TableCell>
              <TableCell className="text-right tabular-nums">
                {n(v.delivered)} <span className="text-muted-foreground">({formatRate(v.rates.delivered)})</span>
              </TableCell>
              {sms ? null : (
                <TableCell className="text-right tabular-nums">
                  {n(v.opened)} <span className="text-muted-foreground">({formatRate(v.rates.opened)})</span>
                </TableCell>
              )}
              <TableCell className="text-right tabular-nums">
                {n(v.clicked)} <span className="text-muted-foreground">({formatRate(v.rates.clicked)})</span>
              </TableCell>
              {sms ? (
                <TableCell className="text-right tabular-nums">
                  {n(v.replied)} <span className="text-muted-foreground">({formatRate(v.rates.replied)})</span>
                </TableCell>
              ) : null}
              <TableCell className="text-right tabular-nums">
                {n(v.unsubscribed)} <span className="text-muted-foreground">({formatRate(v.rates.unsubscribed)})</span>
              </TableCell>
              {canChoose ? (
                <TableCell className="text-right">
                  {v.isWinner ? null : (
                    <AlertDialog>
                      <AlertDialogTrigger asChild>
                        <Button type="button" size="sm" variant="outline" disabled={choose.isPending}>
                          Choose this variant<span className="sr-only"> ({v.key})</span>
                        </Button>
                      </AlertDialogTrigger>
                      <AlertDialogContent>
                        <AlertDialogHeader>
                          <AlertDialogTitle>Send variant {v.key} to the rest?</AlertDialogTitle>
                          <AlertDialogDescription>
                            Everyone in the audience who was not in the test group gets variant {v.key}
                            {v.sendTime?.mode === "best_hour" ? ", each at their best hour" : ", starting now"}. The
                            automatic decision is then skipped.
                          </AlertDialogDescription>
                        </AlertDialogHeader>
                        <AlertDialogFooter>
                          <AlertDialogCancel>Not now</AlertDialogCancel>
                          <AlertDialogAction onClick={() => choose.mutate({ id: campaign.id, variant: v.key })}>
                            Send variant {v.key}
                          </AlertDialogAction>
                        </AlertDialogFooter>
                      </AlertDialogContent>
                    </AlertDialog>
                  )}
                </TableCell>
              ) : null}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <dl className="grid gap-1 text-sm sm:grid-cols-2">
        <div>
          <dt className="inline text-muted-foreground">Test: </dt>
          <dd className="inline">
            {test.share}% of the audience, metric {METRIC_LABEL[test.metric]}, wait {test.waitHours} h
            {data.decideAfter && !data.decidedAt ? ` (decides at ${new Date(data.decideAfter).toLocaleString()})` : ""}
          </dd>
        </div>
        {data.lift && data.sendWindowEnd ? (
          <div>
            <dt className="inline text-muted-foreground">Best-hour sends: </dt>
            <dd className="inline">until {new Date(data.sendWindowEnd).toLocaleString()}; the wait counts from then</dd>
          </div>
        ) : null}
        {data.lift ? (
          <div className="sm:col-span-2" data-testid="ab-test-lift">
            <dt className="sr-only">Lift: </dt>
            <dd className="inline">{liftSentence(data.lift)}</dd>
          </div>
        ) : null}
        {sig ? (
          <div data-testid="ab-test-significance">
            <dt className="inline text-muted-foreground">
              {sig.test === "two_proportion_z" ? "Two-proportion z-test: " : "Chi-square test: "}
            </dt>
            <dd className="inline">
              p = {formatP(sig.pValue)}
              {sig.ci95
                ? `; B − A = ${formatRate(sig.difference)} (95% CI ${formatRate(sig.ci95[0])} to ${formatRate(sig.ci95[1])})`
                : ""}
            </dd>
          </div>
        ) : null}
      </dl>
    </div>
  );
}
