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
import { fieldError, formErrorsFrom } from "@/components/ui/form-errors";
import { useTRPC } from "@/components/providers/trpc-provider";
import { csvFileProblem, FILE_CHECK_BYTES, withoutControlCharacters } from "@/server/shared/file-type";
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
  const [chosen, setChosen] = React.useState<string | null>(null);
  const [error, setError] = React.useState<{ message: string; notCsv: boolean } | null>(null);
  const [dragging, setDragging] = React.useState(false);

  const choose = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    setChosen(file.name);
    let problem: string | null;
    try {
      const head = new Uint8Array(await file.slice(0, FILE_CHECK_BYTES).arrayBuffer());
      problem = csvFileProblem(head, { complete: file.size <= FILE_CHECK_BYTES });
    } catch {
      setError({ message: "This file could not be read. Choose it again.", notCsv: false });
      return;
    }
    if (problem) {
      setError({ message: problem, notCsv: true });
      return;
    }
    const sample = await file.slice(0, PREVIEW_BYTES).text();
    preview.mutate(
      // A stray control character is reported on its row by the import; the preview leaves it out.
      { text: withoutControlCharacters(sample), truncated: file.size > PREVIEW_BYTES },
      {
        onSuccess: (result) => onReady(file, result, sample),
        onError: (e) => {
          const { fieldErrors, formError } = formErrorsFrom(e);
          setError({ message: formError, notCsv: Boolean(fieldErrors.file ?? fieldErrors.text) });
        },
      },
    );
  };

  const startReason = preview.isPending
    ? "Reading the file…"
    : error?.notCsv
      ? "The chosen file is not a CSV. Choose another file to start."
      : error
        ? "The chosen file could not be read. Choose it again to start."
        : "Choose a CSV file to start.";

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
            error && "border-destructive/50",
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
            {chosen ? (
              <>
                Chosen: <span className="font-medium break-all text-foreground">{chosen}</span>
              </>
            ) : (
              "Email or phone is required per row; everything else is optional."
            )}
          </span>
          <input
            id="import-file"
            type="file"
            accept=".csv,.tsv,.txt,text/csv"
            className="sr-only"
            aria-label="CSV file"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "import-file-error" : undefined}
            onChange={(e) => {
              void choose(e.target.files?.[0]);
              // Choosing the same file again (after exporting it anew) reads it again.
              e.target.value = "";
            }}
          />
        </label>
        {error ? (
          <Alert variant="destructive" data-testid="import-file-error">
            <AlertCircleIcon />
            <AlertTitle>{error.notCsv ? "This file cannot be imported" : "Could not read this file"}</AlertTitle>
            <AlertDescription id="import-file-error">{error.message}</AlertDescription>
          </Alert>
        ) : null}
        <StartImport reason={startReason} />
      </CardContent>
    </Card>
  );
}

/** The mapping select's "not imported" choice (a select item cannot have an empty value). */
const NOT_IMPORTED = "__not_imported__";

/**
 * The Start button, with the reason it cannot be pressed yet written next to it (and linked to it
 * for assistive tech) whenever it is disabled.
 */
function StartImport({
  reason,
  pending = false,
  onStart,
  children,
}: {
  reason: string | null;
  pending?: boolean;
  onStart?: () => void;
  children?: React.ReactNode;
}) {
  const reasonId = React.useId();
  return (
    <div className="flex flex-wrap items-center justify-end gap-x-3 gap-y-2">
      {reason ? (
        <p
          id={reasonId}
          className="mr-auto text-sm text-muted-foreground sm:mr-0"
          data-testid="import-start-reason"
          aria-live="polite"
        >
          {reason}
        </p>
      ) : null}
      {children}
      <Button onClick={onStart} disabled={Boolean(reason) || pending} aria-describedby={reason ? reasonId : undefined}>
        {pending ? <Spinner /> : <UploadIcon />}
        Start import
      </Button>
    </div>
  );
}

/** The first characters of a long cell, for its tooltip (the cell holds the full text). */
function tooltip(text: string): string | undefined {
  if (text.length <= 40) return undefined;
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

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
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [formError, setFormError] = React.useState<string | null>(null);
  const create = useMutation(trpc.imports.create.mutationOptions());

  const used = new Set(Object.values(fields).filter(Boolean));
  const attributes = keepOthers
    ? Object.fromEntries(Object.entries(preview.suggestedMapping.attributes).filter(([column]) => !used.has(column)))
    : {};
  const hasConsent = Boolean(fields.consentStatus);
  const availableTopics = (topics.data?.items ?? []).filter((t) => !t.archived);
  const topicsError = fieldError(errors, "topicKeys");
  const channelsError = fieldError(errors, "channels");
  const attributesError = fieldError(errors, "mapping.attributes");

  const startReason =
    !fields.email && !fields.phone
      ? "Map a column to Email or Phone to start."
      : hasConsent && !fields.consentAt
        ? "Map the Consent date column too: an opt-in without a date could override a later opt-out."
        : hasConsent && topicKeys.length === 0
          ? "Choose at least one topic for the consent column."
          : hasConsent && channels.length === 0
            ? "Choose at least one channel for the consent column."
            : preview.rows.length === 0
              ? "This file has no rows below the column names."
              : null;

  const start = () => {
    setErrors({});
    setFormError(null);
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
      {
        onSuccess: (created) => onStarted(created.id),
        onError: (e) => {
          const result = formErrorsFrom(e);
          setErrors(result.fieldErrors);
          setFormError(result.formError);
        },
      },
    );
  };

  return (
    <div className="grid grid-cols-1 gap-4">
      <Card className="min-w-0">
        <CardHeader>
          <CardTitle className="flex flex-wrap items-center gap-2">
            Preview <Badge variant="muted">{file.name}</Badge>
          </CardTitle>
          <CardDescription>
            {preview.rows.length === 0
              ? "The file names its columns but has no rows below them."
              : `The first ${preview.rows.length === 1 ? "row" : `${preview.rows.length} rows`} as we read ${preview.rows.length === 1 ? "it" : "them"}; long values are cut short here, not in the import.`}
          </CardDescription>
        </CardHeader>
        <CardContent>
          <div className="max-h-72 overflow-auto rounded-md border">
            <Table data-testid="import-preview">
              <TableHeader>
                <TableRow>
                  {preview.headers.map((h, i) => (
                    <TableHead key={i} className="whitespace-nowrap">
                      {h ? (
                        <span className="block max-w-48 truncate" title={tooltip(h)}>
                          {h}
                        </span>
                      ) : (
                        <span className="text-muted-foreground">(no name)</span>
                      )}
                    </TableHead>
                  ))}
                </TableRow>
              </TableHeader>
              <TableBody>
                {preview.rows.map((row, r) => (
                  <TableRow key={r}>
                    {row.map((cell, c) => (
                      <TableCell key={c} className="whitespace-nowrap">
                        <span className="block max-w-48 truncate" title={tooltip(cell)}>
                          {cell}
                        </span>
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
              const fieldErrorText = fieldError(errors, `mapping.${field}`);
              const describedBy = [hint ? `${id}-hint` : null, fieldErrorText ? `${id}-error` : null]
                .filter(Boolean)
                .join(" ");
              return (
                <div key={field} className="grid min-w-0 gap-1.5">
                  <Label htmlFor={id} className={cn(fieldErrorText && "text-destructive")}>
                    {label}
                  </Label>
                  <Select
                    value={fields[field] ?? NOT_IMPORTED}
                    onValueChange={(value) =>
                      setFields((current) => ({ ...current, [field]: value === NOT_IMPORTED ? undefined : value }))
                    }
                  >
                    <SelectTrigger
                      id={id}
                      className="min-w-0"
                      aria-invalid={fieldErrorText ? true : undefined}
                      aria-describedby={describedBy || undefined}
                    >
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
                  {fieldErrorText ? (
                    <p id={`${id}-error`} role="alert" className="text-xs font-medium text-destructive">
                      {fieldErrorText}
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
              aria-invalid={attributesError ? true : undefined}
              aria-describedby={attributesError ? "keep-others-error" : undefined}
              className="mt-0.5"
            />
            <Label htmlFor="keep-others" className="grid gap-1 font-normal">
              <span className="font-medium">Keep the other columns as custom attributes</span>
              <span className="text-xs text-muted-foreground">
                {Object.keys(attributes).length ? Object.keys(attributes).join(", ") : "No other columns."}
              </span>
              {attributesError ? (
                <span id="keep-others-error" role="alert" className="text-xs font-medium text-destructive">
                  {attributesError}
                </span>
              ) : null}
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
            <fieldset className="grid content-start gap-2" aria-describedby="import-topics-note">
              <legend className="mb-1 text-sm font-medium">Topics</legend>
              {topics.isPending ? <Spinner /> : null}
              {availableTopics.map((topic) => (
                <div key={topic.key} className="flex items-center gap-2">
                  <Checkbox
                    id={`topic-${topic.key}`}
                    checked={topicKeys.includes(topic.key)}
                    aria-invalid={topicsError ? true : undefined}
                    onCheckedChange={(v) =>
                      setTopicKeys((cur) => (v === true ? [...cur, topic.key] : cur.filter((k) => k !== topic.key)))
                    }
                  />
                  <Label htmlFor={`topic-${topic.key}`} className="font-normal">
                    {topic.name} <span className="text-xs text-muted-foreground">({topic.channels.join(", ")})</span>
                  </Label>
                </div>
              ))}
              <p
                id="import-topics-note"
                role={topicsError ? "alert" : undefined}
                className={cn("text-xs", topicsError ? "font-medium text-destructive" : "text-muted-foreground")}
              >
                {topicsError ??
                  (topicKeys.length === 0
                    ? "Choose at least one topic: the consent column applies to the topics chosen here."
                    : `${topicKeys.length} chosen.`)}
              </p>
            </fieldset>
            <fieldset
              className="grid content-start gap-2"
              aria-describedby={channelsError ? "import-channels-error" : undefined}
            >
              <legend className="mb-1 text-sm font-medium">Channels</legend>
              {(["email", "sms"] as const).map((channel) => (
                <div key={channel} className="flex items-center gap-2">
                  <Checkbox
                    id={`channel-${channel}`}
                    checked={channels.includes(channel)}
                    aria-invalid={channelsError ? true : undefined}
                    onCheckedChange={(v) =>
                      setChannels((cur) => (v === true ? [...cur, channel] : cur.filter((c) => c !== channel)))
                    }
                  />
                  <Label htmlFor={`channel-${channel}`} className="font-normal">
                    {channel === "email" ? "Email (rows with an email)" : "SMS (rows with a phone)"}
                  </Label>
                </div>
              ))}
              {channelsError ? (
                <p id="import-channels-error" role="alert" className="text-xs font-medium text-destructive">
                  {channelsError}
                </p>
              ) : null}
            </fieldset>
          </CardContent>
        </Card>
      ) : null}

      {formError ? (
        <Alert variant="destructive">
          <AlertCircleIcon />
          <AlertTitle>Cannot start this import</AlertTitle>
          <AlertDescription>{formError}</AlertDescription>
        </Alert>
      ) : null}
      <StartImport reason={startReason} pending={create.isPending} onStart={start}>
        <Button variant="outline" onClick={onCancel}>
          Choose another file
        </Button>
      </StartImport>
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
