"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertCircleIcon, CheckCircle2Icon, DownloadIcon, FileUpIcon, RotateCcwIcon, UploadIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import { MAPPING_FIELDS, estimateRows, type MappingField } from "./import-fields";

const PREVIEW_BYTES = 64 * 1024;
type Preview = {
  headers: string[];
  rows: string[][];
  suggestedMapping: { fields: Partial<Record<MappingField, string>>; attributes: Record<string, string> };
};
type Step =
  | { name: "choose" }
  | { name: "map"; file: File; preview: Preview; sample: string }
  | { name: "run"; importId: string; file: File };

/** Upload → preview → mapping → topics → progress → summary. */
export function ImportWizard() {
  const [step, setStep] = React.useState<Step>({ name: "choose" });
  const reset = () => setStep({ name: "choose" });
  if (step.name === "choose")
    return <ChooseFile onReady={(file, preview, sample) => setStep({ name: "map", file, preview, sample })} />;
  if (step.name === "map")
    return (
      <MapColumns
        file={step.file}
        preview={step.preview}
        sample={step.sample}
        onCancel={reset}
        onStarted={(importId) => setStep({ name: "run", importId, file: step.file })}
      />
    );
  return <RunImport importId={step.importId} file={step.file} onDone={reset} />;
}

function ChooseFile({ onReady }: { onReady: (file: File, preview: Preview, sample: string) => void }) {
  const trpc = useTRPC();
  const preview = useMutation(trpc.imports.preview.mutationOptions());
  const [error, setError] = React.useState<string | null>(null);
  const [dragging, setDragging] = React.useState(false);

  const choose = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    const sample = await file.slice(0, PREVIEW_BYTES).text();
    preview.mutate(
      { text: sample, truncated: file.size > PREVIEW_BYTES },
      { onSuccess: (result) => onReady(file, result, sample), onError: (e) => setError(errorMessage(e)) },
    );
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>Upload a CSV file</CardTitle>
        <CardDescription>
          The first line must name the columns. Comma, semicolon and tab separated files work; the file is streamed, so
          size is not a problem.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <label
          htmlFor="import-file"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            void choose(e.dataTransfer.files[0]);
          }}
          className={cn(
            "flex cursor-pointer flex-col items-center justify-center gap-2 rounded-lg border-2 border-dashed px-4 py-10 text-center transition-colors hover:bg-muted/50",
            dragging && "border-primary bg-muted/50",
          )}
        >
          {preview.isPending ? (
            <Spinner className="size-6" />
          ) : (
            <FileUpIcon className="size-8 text-muted-foreground" aria-hidden />
          )}
          <span className="font-medium">
            {preview.isPending ? "Reading the file…" : "Choose a CSV file or drop it here"}
          </span>
          <span className="text-sm text-muted-foreground">
            Email or phone is required per row; everything else is optional.
          </span>
          <input
            id="import-file"
            type="file"
            accept=".csv,.tsv,.txt,text/csv"
            className="sr-only"
            aria-label="CSV file"
            onChange={(e) => void choose(e.target.files?.[0])}
          />
        </label>
        {error ? (
          <Alert variant="destructive">
            <AlertCircleIcon />
            <AlertTitle>Could not read this file</AlertTitle>
            <AlertDescription>{error}</AlertDescription>
          </Alert>
        ) : null}
      </CardContent>
    </Card>
  );
}

/** The mapping select's "not imported" choice (a select item cannot have an empty value). */
const NOT_IMPORTED = "__not_imported__";

function MapColumns({
  file,
  preview,
  onCancel,
  onStarted,
}: {
  file: File;
  preview: Preview;
  sample: string;
  onCancel: () => void;
  onStarted: (importId: string) => void;
}) {
  const trpc = useTRPC();
  const topics = useQuery(trpc.topics.list.queryOptions());
  const [fields, setFields] = React.useState<Partial<Record<MappingField, string>>>(preview.suggestedMapping.fields);
  const [keepOthers, setKeepOthers] = React.useState(true);
  const [topicKeys, setTopicKeys] = React.useState<string[]>([]);
  // Defaults to the channels the suggested address columns allow.
  const [channels, setChannels] = React.useState<("email" | "sms")[]>(() => [
    ...(preview.suggestedMapping.fields.email ? ["email" as const] : []),
    ...(preview.suggestedMapping.fields.phone ? ["sms" as const] : []),
  ]);
  const [error, setError] = React.useState<string | null>(null);
  const create = useMutation(trpc.imports.create.mutationOptions());

  const used = new Set(Object.values(fields).filter(Boolean));
  const attributes = keepOthers
    ? Object.fromEntries(Object.entries(preview.suggestedMapping.attributes).filter(([column]) => !used.has(column)))
    : {};
  const hasConsent = Boolean(fields.consentStatus);
  const availableTopics = (topics.data?.items ?? []).filter((t) => !t.archived);

  const start = () => {
    setError(null);
    const mapping = Object.fromEntries(Object.entries(fields).filter(([, v]) => v)) as Partial<
      Record<MappingField, string>
    >;
    create.mutate(
      {
        filename: file.name.slice(0, 255),
        mapping: { ...mapping, attributes },
        topicKeys: hasConsent ? topicKeys : [],
        channels: hasConsent ? channels : [],
      },
      { onSuccess: (created) => onStarted(created.id), onError: (e) => setError(errorMessage(e)) },
    );
  };

  return (
    <div className="grid grid-cols-1 gap-4">
      <Card className="min-w-0">
        <CardHeader>
          <CardTitle className="flex flex-wrap items-center gap-2">
            Preview <Badge variant="muted">{file.name}</Badge>
          </CardTitle>
          <CardDescription>The first {preview.rows.length} rows as we read them.</CardDescription>
        </CardHeader>
        <CardContent>
          <div className="max-h-72 overflow-auto rounded-md border">
            <Table data-testid="import-preview">
              <TableHeader>
                <TableRow>
                  {preview.headers.map((h, i) => (
                    <TableHead key={i} className="whitespace-nowrap">
                      {h || <span className="text-muted-foreground">(no name)</span>}
                    </TableHead>
                  ))}
                </TableRow>
              </TableHeader>
              <TableBody>
                {preview.rows.map((row, r) => (
                  <TableRow key={r}>
                    {row.map((cell, c) => (
                      <TableCell key={c} className="max-w-48 truncate whitespace-nowrap">
                        {cell}
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Map columns</CardTitle>
          <CardDescription>
            We matched columns by their names. Check them; an unmapped column is ignored unless kept as a custom
            attribute.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4">
          <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
            {MAPPING_FIELDS.map(({ field, label, ...rest }) => {
              const hint = "hint" in rest ? rest.hint : undefined;
              const id = `map-${field}`;
              return (
                <div key={field} className="grid min-w-0 gap-1.5">
                  <Label htmlFor={id}>{label}</Label>
                  <Select
                    value={fields[field] ?? NOT_IMPORTED}
                    onValueChange={(value) =>
                      setFields((current) => ({ ...current, [field]: value === NOT_IMPORTED ? undefined : value }))
                    }
                  >
                    <SelectTrigger id={id} className="min-w-0" aria-describedby={hint ? `${id}-hint` : undefined}>
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent aria-label={label}>
                      <SelectItem value={NOT_IMPORTED}>— Not imported —</SelectItem>
                      {[...new Set(preview.headers.filter(Boolean))].map((h) => (
                        <SelectItem key={h} value={h}>
                          {h}
                        </SelectItem>
                      ))}
                    </SelectContent>
                  </Select>
                  {hint ? (
                    <p id={`${id}-hint`} className="text-xs text-muted-foreground">
                      {hint}
                    </p>
                  ) : null}
                </div>
              );
            })}
          </div>
          <div className="flex items-start gap-3 rounded-md border p-3">
            <Checkbox
              id="keep-others"
              checked={keepOthers}
              onCheckedChange={(v) => setKeepOthers(v === true)}
              className="mt-0.5"
            />
            <Label htmlFor="keep-others" className="grid gap-1 font-normal">
              <span className="font-medium">Keep the other columns as custom attributes</span>
              <span className="text-xs text-muted-foreground">
                {Object.keys(attributes).length ? Object.keys(attributes).join(", ") : "No other columns."}
              </span>
            </Label>
          </div>
        </CardContent>
      </Card>

      {hasConsent ? (
        <Card>
          <CardHeader>
            <CardTitle>Consent</CardTitle>
            <CardDescription>
              Each row&apos;s consent becomes a ledger event for these topics, dated with the consent date. An opt-in
              never overrides a later opt-out, and suppressed addresses are never opted in.
            </CardDescription>
          </CardHeader>
          <CardContent className="grid gap-4 sm:grid-cols-2">
            <fieldset className="grid gap-2">
              <legend className="mb-1 text-sm font-medium">Topics</legend>
              {topics.isPending ? <Spinner /> : null}
              {availableTopics.map((topic) => (
                <div key={topic.key} className="flex items-center gap-2">
                  <Checkbox
                    id={`topic-${topic.key}`}
                    checked={topicKeys.includes(topic.key)}
                    onCheckedChange={(v) =>
                      setTopicKeys((cur) => (v === true ? [...cur, topic.key] : cur.filter((k) => k !== topic.key)))
                    }
                  />
                  <Label htmlFor={`topic-${topic.key}`} className="font-normal">
                    {topic.name} <span className="text-xs text-muted-foreground">({topic.channels.join(", ")})</span>
                  </Label>
                </div>
              ))}
            </fieldset>
            <fieldset className="grid content-start gap-2">
              <legend className="mb-1 text-sm font-medium">Channels</legend>
              {(["email", "sms"] as const).map((channel) => (
                <div key={channel} className="flex items-center gap-2">
                  <Checkbox
                    id={`channel-${channel}`}
                    checked={channels.includes(channel)}
                    onCheckedChange={(v) =>
                      setChannels((cur) => (v === true ? [...cur, channel] : cur.filter((c) => c !== channel)))
                    }
                  />
                  <Label htmlFor={`channel-${channel}`} className="font-normal">
                    {channel === "email" ? "Email (rows with an email)" : "SMS (rows with a phone)"}
                  </Label>
                </div>
              ))}
            </fieldset>
          </CardContent>
        </Card>
      ) : null}

      {error ? (
        <Alert variant="destructive">
          <AlertCircleIcon />
          <AlertTitle>Cannot start this import</AlertTitle>
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      ) : null}
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="outline" onClick={onCancel}>
          Choose another file
        </Button>
        <Button onClick={start} disabled={create.isPending || (!fields.email && !fields.phone)}>
          {create.isPending ? <Spinner /> : <UploadIcon />}
          Start import
        </Button>
      </div>
    </div>
  );
}

function RunImport({ importId, file, onDone }: { importId: string; file: File; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [uploadError, setUploadError] = React.useState<string | null>(null);
  const [uploaded, setUploaded] = React.useState(false);
  const started = React.useRef(false);
  const status = useQuery({
    ...trpc.imports.get.queryOptions({ id: importId }),
    refetchInterval: (query) =>
      query.state.data && (query.state.data.status === "completed" || query.state.data.status === "failed")
        ? false
        : 500,
  });

  React.useEffect(() => {
    if (started.current) return;
    started.current = true;
    void (async () => {
      try {
        const expectedRows = await estimateRows(file, await file.slice(0, PREVIEW_BYTES).text());
        const res = await fetch(`/api/imports?importId=${importId}&expectedRows=${Math.max(0, expectedRows)}`, {
          method: "POST",
          body: file,
          headers: { "content-type": "text/csv" },
        });
        if (!res.ok)
          setUploadError(
            ((await res.json().catch(() => null)) as { message?: string } | null)?.message ??
              `Upload failed (${res.status})`,
          );
      } catch {
        setUploadError("The upload was interrupted. Check your connection and try again.");
      } finally {
        setUploaded(true);
        await queryClient.invalidateQueries({ queryKey: trpc.imports.get.queryKey({ id: importId }) });
        await queryClient.invalidateQueries({ queryKey: trpc.imports.list.queryKey() });
      }
    })();
  }, [file, importId, queryClient, trpc]);

  const data = status.data;
  const finished = data?.status === "completed" || data?.status === "failed";
  const total = Math.max(data?.totalRows ?? 0, data?.processedRows ?? 0);
  const percent =
    finished && data?.status === "completed"
      ? 100
      : total
        ? Math.min(99, Math.floor(((data?.processedRows ?? 0) / total) * 100))
        : 0;

  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex flex-wrap items-center gap-2" data-testid="import-status-title">
          {finished
            ? data?.status === "completed"
              ? "Import finished"
              : "Import failed"
            : data?.interrupted
              ? "Import interrupted"
              : "Importing…"}
          <Badge variant="muted">{file.name}</Badge>
        </CardTitle>
        <CardDescription>
          {finished
            ? `Rows are committed in batches; everything counted below is saved.${data?.resumable ? " Resume it from Past imports: it continues after the last saved row." : ""}`
            : data?.interrupted
              ? "The server stopped while importing. Everything counted below is saved; the import resumes on its own after the last saved row, or use Resume in Past imports."
              : "You can leave this page: the import keeps running on the server."}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-5">
        <div className="grid gap-2">
          <div
            role="progressbar"
            aria-label="Import progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            className="h-2.5 w-full overflow-hidden rounded-full bg-muted"
          >
            <div
              className={cn(
                "h-full rounded-full transition-[width] duration-300",
                data?.status === "failed" ? "bg-destructive" : "bg-primary",
              )}
              style={{ width: `${percent}%` }}
            />
          </div>
          <p className="text-sm text-muted-foreground" data-testid="import-progress-text">
            {(data?.processedRows ?? 0).toLocaleString()} of {total ? total.toLocaleString() : "…"} rows · {percent}%
          </p>
        </div>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4" data-testid="import-summary">
          <Stat label="New contacts" value={data?.insertedRows} />
          <Stat label="Updated" value={data?.updatedRows} />
          <Stat label="Rejected" value={data?.rejectedRows} tone={data?.rejectedRows ? "warning" : undefined} />
          <Stat label="Consent events" value={data?.consentEvents} />
        </dl>
        {data?.status === "failed" || uploadError ? (
          <Alert variant="destructive">
            <AlertCircleIcon />
            <AlertTitle>The import stopped</AlertTitle>
            <AlertDescription>{data?.error ?? uploadError}</AlertDescription>
          </Alert>
        ) : null}
        {finished && data?.status === "completed" ? (
          <Alert>
            <CheckCircle2Icon />
            <AlertTitle>Done</AlertTitle>
            <AlertDescription>
              {data.processedRows.toLocaleString()} rows read.
              {data.rejectedRows
                ? " Rejected rows list the line, the column and the reason — never the value."
                : " No row was rejected."}
            </AlertDescription>
          </Alert>
        ) : null}
        <div className="flex flex-wrap gap-2">
          {finished && (data?.rejectedRows ?? 0) > 0 ? (
            <Button asChild variant="outline">
              <a href={`/api/imports/${importId}/rejections`} download>
                <DownloadIcon />
                Download rejected rows
              </a>
            </Button>
          ) : null}
          {finished || (uploaded && uploadError) ? (
            <Button onClick={onDone}>
              <RotateCcwIcon />
              Import another file
            </Button>
          ) : null}
        </div>
      </CardContent>
    </Card>
  );
}

function Stat({ label, value, tone }: { label: string; value: number | undefined; tone?: "warning" }) {
  return (
    <div className="rounded-lg border p-3">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className={cn("text-xl font-semibold tabular-nums", tone === "warning" && "text-warning")}>
        {value === undefined ? "—" : value.toLocaleString()}
      </dd>
    </div>
  );
}
