"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { EyeIcon, EyeOffIcon, FileUpIcon, UserPlusIcon, UsersIcon } from "lucide-react";
import { ExactSearch } from "@/components/ui/exact-search";
import { Avatar, AvatarFallback } from "@/components/ui/avatar";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  BrowserCard,
  BrowserResults,
  ClearFiltersButton,
  fieldErrorOf,
  FilterRow,
  MaskedNotice,
  NoMatches,
  useBrowserFilters,
  useCursorPagination,
} from "@/components/ui/data-browser";
import { EmptyState } from "@/components/ui/empty-state";
import { DateFilter, FilterSelect } from "@/components/ui/filter-fields";
import { initialsFor } from "@/components/ui/initials";
import { PageHeader } from "@/components/ui/page-header";
import { SelectGroup, SelectItem, SelectLabel } from "@/components/ui/select";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { ConsentSummary } from "./consent-badges";
import { ContactFormDialog } from "./contact-form-dialog";
import { CHANNEL_META, displayName, formatDay, formatPhone, hasName, STATUS_META, type Channel } from "./labels";

const ANY = "any";
const PAGE_SIZE = 50;
type FilterStatus = "opted_in" | "pending" | "opted_out" | "none";
const FILTER_STATUSES: FilterStatus[] = ["opted_in", "pending", "opted_out", "none"];

export type TopicOption = { key: string; name: string; channels: Channel[] };

interface Filters {
  search: string;
  tag: string;
  /** A saved segment's id, or ANY. */
  segment: string;
  /** `topicKey:channel` or ANY. */
  consent: string;
  status: FilterStatus;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = {
  search: "",
  tag: ANY,
  segment: ANY,
  consent: ANY,
  status: "opted_in",
  from: "",
  to: "",
};
const DAY_MS = 86_400_000;

function toListInput(filters: Filters) {
  const day = (value: string) => (value ? new Date(`${value}T00:00:00.000Z`) : undefined);
  const to = day(filters.to);
  const [topic, channel] = filters.consent === ANY ? [] : filters.consent.split(":");
  return {
    search: filters.search.trim() || undefined,
    tag: filters.tag === ANY ? undefined : filters.tag,
    segmentId: filters.segment === ANY ? undefined : filters.segment,
    consent: topic ? { topic, channel: channel as Channel, status: filters.status } : undefined,
    createdFrom: day(filters.from),
    // The "to" day is inclusive.
    createdTo: to ? new Date(to.getTime() + DAY_MS) : undefined,
  };
}

type Revealed = { email: string | null; phone: string | null; firstName: string | null; lastName: string | null };

/**
 * The contacts list: search by name, start of an email or exact phone (viewers: exact address
 * only; personal data is encrypted, matched through keyed tokens, never by substring), tag, consent
 * and created-date filters, 50 per page by keyset. Viewers see masked values and may reveal one
 * contact at a time (audited).
 */
export function ContactsBrowser({ topics, canEdit, role }: { topics: TopicOption[]; canEdit: boolean; role: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [searchDraft, setSearchDraft] = React.useState("");
  const pagination = useCursorPagination(PAGE_SIZE);
  const { filters, apply, filtered } = useBrowserFilters({ initial: NO_FILTERS, none: NO_FILTERS, pagination });
  const [revealed, setRevealed] = React.useState<Record<string, Revealed>>({});
  const [createOpen, setCreateOpen] = React.useState(false);
  // Names and the start of an address are searchable by those who see them; viewers search exactly.
  const byName = role !== "viewer";

  const input = React.useMemo(
    () => ({ ...toListInput(filters), cursor: pagination.cursor }),
    [filters, pagination.cursor],
  );
  const list = useQuery({ ...trpc.contacts.list.queryOptions(input), placeholderData: keepPreviousData });
  const tags = useQuery(trpc.contacts.tags.queryOptions());
  const segments = useQuery(trpc.segments.list.queryOptions());

  const clearAll = () => {
    setSearchDraft("");
    apply(NO_FILTERS);
  };
  const searchError = fieldErrorOf(list, "search");

  const reveal = useMutation(
    trpc.contacts.reveal.mutationOptions({
      onSuccess: (contact) => {
        setRevealed((current) => ({ ...current, [contact.id]: contact }));
        toast.success("Contact revealed. This was recorded in the audit log.");
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );

  const data = list.data;

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Contacts"
        description="Everyone this workspace may message, and what each person agreed to."
        actions={
          canEdit ? (
            <>
              <Button variant="outline" asChild>
                <Link href="/contacts/import">
                  <FileUpIcon />
                  Import CSV
                </Link>
              </Button>
              <Button onClick={() => setCreateOpen(true)}>
                <UserPlusIcon />
                New contact
              </Button>
            </>
          ) : null
        }
      />

      {data?.masked ? (
        <MaskedNotice title={`Personal data is masked for the ${role} role`}>
          Use Reveal to see one contact in full. Every reveal is recorded in the audit log.
        </MaskedNotice>
      ) : null}

      <BrowserCard
        filters={
          <>
            <ExactSearch
              id="contact-search"
              {...(byName
                ? {
                    label: "Find a contact by name, email or phone",
                    placeholder: "Name, start of an email, or phone, e.g. Ann Lee, ann.l or +1 415 555 2671",
                    hint: "Matches whole words of a name (every word you type), the start of an email address (3 characters or more), or a complete phone number.",
                  }
                : {
                    label: "Find a contact by email or phone",
                    placeholder: "Exact email or phone, e.g. ann@example.com or +1 415 555 2671",
                    hint: "Contact details are masked for your role, so search matches a whole email address or phone number, not part of one.",
                  })}
              draft={searchDraft}
              onDraftChange={setSearchDraft}
              applied={Boolean(filters.search)}
              onApply={(search) => apply({ search })}
              error={searchError}
            />

            <FilterRow>
              <FilterSelect label="Tag" value={filters.tag} onChange={(tag) => apply({ tag })} className="md:w-40">
                <SelectItem value={ANY}>Any tag</SelectItem>
                {tags.data?.map((t) => (
                  <SelectItem key={t.tag} value={t.tag}>
                    {t.tag} <span className="text-muted-foreground tabular-nums">{t.count}</span>
                  </SelectItem>
                ))}
              </FilterSelect>
              {segments.data?.items.length ? (
                <FilterSelect
                  label="Segment"
                  value={filters.segment}
                  onChange={(segment) => apply({ segment })}
                  className="md:w-52"
                >
                  <SelectItem value={ANY}>Any segment</SelectItem>
                  {segments.data.items.map((segment) => (
                    <SelectItem key={segment.id} value={segment.id}>
                      {segment.name}
                    </SelectItem>
                  ))}
                </FilterSelect>
              ) : null}
              <FilterSelect
                label="Consent"
                value={filters.consent}
                onChange={(consent) => apply({ consent })}
                className="md:w-52"
              >
                <SelectItem value={ANY}>Any consent</SelectItem>
                {topics.map((topic) => (
                  <SelectGroup key={topic.key}>
                    <SelectLabel>{topic.name}</SelectLabel>
                    {topic.channels.map((channel) => (
                      <SelectItem key={channel} value={`${topic.key}:${channel}`}>
                        {topic.name} · {CHANNEL_META[channel].label}
                      </SelectItem>
                    ))}
                  </SelectGroup>
                ))}
              </FilterSelect>
              {filters.consent !== ANY ? (
                <FilterSelect
                  label="Status"
                  value={filters.status}
                  onChange={(status) => apply({ status: status as FilterStatus })}
                  className="md:w-36"
                >
                  {FILTER_STATUSES.map((status) => (
                    <SelectItem key={status} value={status}>
                      {STATUS_META[status].label}
                    </SelectItem>
                  ))}
                </FilterSelect>
              ) : null}
              <DateFilter label="Created from" value={filters.from} onChange={(from) => apply({ from })} />
              <DateFilter label="Created to" value={filters.to} onChange={(to) => apply({ to })} />
              {filtered ? <ClearFiltersButton onClick={clearAll} /> : null}
            </FilterRow>
          </>
        }
      >
        <BrowserResults
          list={list}
          pagination={pagination}
          loadingLabel="Loading contacts"
          fieldError={searchError}
          noun={["contact", "contacts"]}
          filtered={filtered}
          empty={
            filtered ? (
              <NoMatches
                title="No contacts match"
                description={
                  filters.search
                    ? byName
                      ? "No contact has this name, an email address starting with this text, or this phone number."
                      : "No contact has exactly this email address or phone number."
                    : "Try other filters, or clear them."
                }
                onClear={clearAll}
              />
            ) : (
              <EmptyState
                bare
                className="py-16"
                icon={UsersIcon}
                title="No contacts yet"
                description="Import a CSV, add people one by one, or collect them with a signup form. Consent is recorded for each of them with its evidence."
                action={
                  canEdit ? (
                    <>
                      <Button onClick={() => setCreateOpen(true)}>
                        <UserPlusIcon />
                        New contact
                      </Button>
                      <Button variant="outline" asChild>
                        <Link href="/contacts/import">Import CSV</Link>
                      </Button>
                    </>
                  ) : null
                }
              />
            )
          }
        >
          {(page) => (
            <>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead>Contact</TableHead>
                  <TableHead className="hidden lg:table-cell">Phone</TableHead>
                  <TableHead className="hidden xl:table-cell">Tags</TableHead>
                  <TableHead className="hidden sm:table-cell">Consent</TableHead>
                  <TableHead className="hidden md:table-cell">Created</TableHead>
                  {page.masked ? (
                    <TableHead className="w-0 text-right">
                      <span className="sr-only">Reveal</span>
                    </TableHead>
                  ) : null}
                </TableRow>
              </TableHeader>
              <TableBody>
                {page.items.map((item) => {
                  const shown = { ...item, ...revealed[item.id] };
                  const isRevealed = Boolean(revealed[item.id]);
                  const href = `/contacts/${item.id}`;
                  return (
                    <TableRow
                      key={item.id}
                      data-testid="contact-row"
                      className="cursor-pointer"
                      onClick={() => router.push(href)}
                    >
                      <TableCell className="max-w-0 min-w-0 whitespace-normal sm:max-w-none sm:min-w-64">
                        <div className="flex min-w-0 items-center gap-3">
                          <Avatar className="size-9">
                            <AvatarFallback className="bg-primary/10 font-medium text-foreground">
                              {initialsFor(hasName(shown) ? displayName(shown) : null, shown.email ?? shown.phone)}
                            </AvatarFallback>
                          </Avatar>
                          <div className="grid min-w-0 gap-0.5">
                            <Link
                              href={href}
                              className="truncate font-medium hover:underline"
                              onClick={(e) => e.stopPropagation()}
                            >
                              {hasName(shown) ? (
                                displayName(shown)
                              ) : (
                                <span className="text-muted-foreground">No name</span>
                              )}
                            </Link>
                            <span className="truncate text-xs text-muted-foreground">
                              {shown.email ?? (shown.phone ? null : "No email")}
                            </span>
                            {shown.phone ? (
                              <span className="truncate text-xs text-muted-foreground tabular-nums lg:hidden">
                                {formatPhone(shown.phone)}
                              </span>
                            ) : null}
                            <ConsentSummary items={item.consent} className="mt-1 sm:hidden" />
                          </div>
                          {item.erased ? <Badge variant="muted">Erased</Badge> : null}
                        </div>
                      </TableCell>
                      <TableCell className="hidden text-muted-foreground tabular-nums lg:table-cell">
                        {formatPhone(shown.phone) ?? "—"}
                      </TableCell>
                      <TableCell className="hidden xl:table-cell">
                        <div className="flex max-w-48 flex-wrap gap-1">
                          {item.tags.slice(0, 3).map((tag) => (
                            <Badge key={tag} variant="secondary" className="font-normal">
                              {tag}
                            </Badge>
                          ))}
                          {item.tags.length > 3 ? (
                            <Badge variant="muted" className="font-normal">
                              +{item.tags.length - 3}
                            </Badge>
                          ) : null}
                          {item.tags.length === 0 ? <span className="text-muted-foreground">—</span> : null}
                        </div>
                      </TableCell>
                      <TableCell className="hidden whitespace-normal sm:table-cell">
                        <ConsentSummary items={item.consent} />
                      </TableCell>
                      <TableCell className="hidden text-muted-foreground md:table-cell">
                        <time dateTime={new Date(item.createdAt).toISOString()}>{formatDay(item.createdAt)}</time>
                      </TableCell>
                      {page.masked ? (
                        <TableCell className="text-right">
                          <Button
                            variant="ghost"
                            size="sm"
                            aria-label={isRevealed ? "Hide personal data" : "Reveal personal data"}
                            loading={reveal.isPending && reveal.variables?.id === item.id}
                            onClick={(e) => {
                              e.stopPropagation();
                              if (isRevealed) setRevealed(({ [item.id]: _, ...rest }) => rest);
                              else reveal.mutate({ id: item.id });
                            }}
                          >
                            {isRevealed ? <EyeOffIcon /> : <EyeIcon />}
                            <span className="hidden sm:inline">{isRevealed ? "Hide" : "Reveal"}</span>
                          </Button>
                        </TableCell>
                      ) : null}
                    </TableRow>
                  );
                })}
              </TableBody>
            </>
          )}
        </BrowserResults>
      </BrowserCard>

      <ContactFormDialog open={createOpen} onOpenChange={setCreateOpen} />
    </div>
  );
}
