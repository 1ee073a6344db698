"use client";

import { MoreHorizontalIcon } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { ConsentStatusBadge } from "./consent-badges";
import type { ConsentChangeRequest } from "./consent-change-dialog";
import { CHANNEL_META, formatWhen, SOURCE_LABELS, type Channel } from "./labels";
import type { ConsentCell } from "./types";

/** Every topic × each of its channels, with the current state, how it was obtained and when. */
export function ConsentGrid({
  cells,
  canEdit,
  channelsWithAddress,
  onChange,
}: {
  cells: ConsentCell[];
  canEdit: boolean;
  channelsWithAddress: Channel[];
  onChange: (request: ConsentChangeRequest) => void;
}) {
  return (
    <Table>
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead>Topic</TableHead>
          <TableHead className="hidden sm:table-cell">Status</TableHead>
          <TableHead className="hidden md:table-cell">How and when</TableHead>
          {canEdit ? (
            <TableHead className="w-0 text-right">
              <span className="sr-only">Actions</span>
            </TableHead>
          ) : null}
        </TableRow>
      </TableHeader>
      <TableBody>
        {cells.map((cell, index) => {
          const Icon = CHANNEL_META[cell.channel].icon;
          const firstOfTopic = index === 0 || cells[index - 1]!.topic.id !== cell.topic.id;
          const canOptIn = channelsWithAddress.includes(cell.channel) && !cell.topic.archived;
          return (
            <TableRow
              key={`${cell.topic.id}:${cell.channel}`}
              data-testid="consent-cell"
              data-topic={cell.topic.key}
              data-channel={cell.channel}
              className={firstOfTopic ? undefined : "border-t-0"}
            >
              <TableCell className="whitespace-normal">
                <div className="flex items-start gap-2.5">
                  <span
                    className="mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-md border bg-muted/40 text-muted-foreground"
                    title={CHANNEL_META[cell.channel].label}
                  >
                    <Icon className="size-3.5" aria-hidden />
                  </span>
                  <div className="grid gap-0.5">
                    <span className="font-medium">
                      {cell.topic.name}{" "}
                      <span className="font-normal text-muted-foreground">· {CHANNEL_META[cell.channel].label}</span>
                    </span>
                    <span className="flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
                      <code className="hidden sm:inline">{cell.topic.key}</code>
                      {cell.topic.kind === "transactional" ? (
                        <Badge variant="muted" className="px-1.5 py-0 text-[11px] font-normal">
                          Transactional
                        </Badge>
                      ) : null}
                      {cell.topic.requiresDoubleOptIn ? (
                        <Badge variant="muted" className="px-1.5 py-0 text-[11px] font-normal">
                          Double opt-in
                        </Badge>
                      ) : null}
                      {cell.topic.archived ? (
                        <Badge variant="muted" className="px-1.5 py-0 text-[11px] font-normal">
                          Archived
                        </Badge>
                      ) : null}
                    </span>
                    <div className="mt-1 grid gap-1 sm:hidden">
                      <ConsentStatusBadge status={cell.state?.status ?? null} />
                      {cell.state ? (
                        <span className="text-xs text-muted-foreground">
                          {SOURCE_LABELS[cell.state.source] ?? cell.state.source} · {formatWhen(cell.state.occurredAt)}
                        </span>
                      ) : null}
                    </div>
                  </div>
                </div>
              </TableCell>
              <TableCell className="hidden sm:table-cell">
                <ConsentStatusBadge status={cell.state?.status ?? null} />
                {cell.state ? (
                  <div className="mt-1 text-xs text-muted-foreground md:hidden">
                    {SOURCE_LABELS[cell.state.source] ?? cell.state.source} · {formatWhen(cell.state.occurredAt)}
                  </div>
                ) : null}
              </TableCell>
              <TableCell className="hidden text-xs text-muted-foreground md:table-cell">
                {cell.state ? (
                  <div className="grid gap-0.5">
                    <span className="text-foreground">{SOURCE_LABELS[cell.state.source] ?? cell.state.source}</span>
                    <time dateTime={new Date(cell.state.occurredAt).toISOString()}>
                      {formatWhen(cell.state.occurredAt)}
                    </time>
                  </div>
                ) : (
                  "Never asked"
                )}
              </TableCell>
              {canEdit ? (
                <TableCell className="text-right">
                  <DropdownMenu>
                    <DropdownMenuTrigger asChild>
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        aria-label={`Change consent for ${cell.topic.name} on ${CHANNEL_META[cell.channel].label}`}
                      >
                        <MoreHorizontalIcon />
                      </Button>
                    </DropdownMenuTrigger>
                    <DropdownMenuContent align="end">
                      <DropdownMenuItem
                        disabled={!canOptIn}
                        onSelect={() => onChange({ action: "opted_in", channel: cell.channel, topic: cell.topic.key })}
                      >
                        Record opt-in…
                      </DropdownMenuItem>
                      <DropdownMenuItem
                        variant="destructive"
                        disabled={cell.state?.status === "opted_out"}
                        onSelect={() => onChange({ action: "opted_out", channel: cell.channel, topic: cell.topic.key })}
                      >
                        Opt out…
                      </DropdownMenuItem>
                    </DropdownMenuContent>
                  </DropdownMenu>
                </TableCell>
              ) : null}
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
