"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PlusIcon, SparklesIcon, Trash2Icon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toaster";
import { formErrorsFrom } from "@/components/ui/form-errors";
import { useTRPC } from "@/components/providers/trpc-provider";
import { fieldErrorsOf } from "@/server/shared/error-messages";
import {
  MAX_SEGMENT_PRICE,
  PRICE_DECIMALS,
  SMS_PRICE_COUNTRIES,
  TYPICAL_SMS_PRICES,
  ZSegmentPrice,
  ZSmsPricing,
  countryName,
  type SmsPricing,
} from "@/server/shared/sms-pricing";
import { SettingsSaveFooter } from "./settings-save-footer";

interface PriceRow {
  rowId: string;
  country: string;
  /** Text while typed, so a half-typed value can be shown and validated. */
  price: string;
}

interface Draft {
  segmentPrice: string;
  rows: PriceRow[];
}

let rowCounter = 0;
const newRowId = () => `price-${++rowCounter}`;

function toDraft(pricing: SmsPricing): Draft {
  return {
    segmentPrice: String(pricing.segmentPrice),
    rows: Object.entries(pricing.countryPrices)
      .sort(([a], [b]) => countryName(a).localeCompare(countryName(b)))
      .map(([country, price]) => ({ rowId: newRowId(), country, price: String(price) })),
  };
}

/** An empty field becomes NaN so the schema says "Enter a price". */
function toNumber(value: string): number {
  return value.trim() === "" ? Number.NaN : Number(value);
}

function toInput(draft: Draft) {
  return {
    segmentPrice: toNumber(draft.segmentPrice),
    countryPrices: Object.fromEntries(draft.rows.map((row) => [row.country, toNumber(row.price)])),
  };
}

const PRICE_INPUT = {
  type: "number",
  inputMode: "decimal",
  min: 0,
  max: MAX_SEGMENT_PRICE,
  step: 10 ** -PRICE_DECIMALS,
} as const;

/**
 * Settings → Messaging, "SMS prices": the price per segment (USD) by destination country and the
 * default for the rest, used by SMS campaigns' estimated cost (dry run) and the drift check before
 * a run sends. Admins and owners edit; the others see the prices.
 */
export function SmsPricesCard({ canEdit, initialPricing }: { canEdit: boolean; initialPricing?: SmsPricing }) {
  const trpc = useTRPC();
  const pricing = useQuery(trpc.messagingSettings.smsPricing.queryOptions(undefined, { initialData: initialPricing }));
  if (!pricing.data) {
    return (
      <Card>
        <CardHeader>
          <CardTitle>SMS prices</CardTitle>
          <CardDescription role={pricing.isError ? "alert" : "status"}>
            {pricing.isError ? "The SMS prices could not be loaded." : "Loading SMS prices…"}
          </CardDescription>
        </CardHeader>
      </Card>
    );
  }
  return <SmsPricesForm key={pricing.dataUpdatedAt} initial={pricing.data} canEdit={canEdit} />;
}

function SmsPricesForm({ initial, canEdit }: { initial: SmsPricing; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = React.useState<Draft>(() => toDraft(initial));
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [newCountry, setNewCountry] = React.useState("");
  const [newPrice, setNewPrice] = React.useState("");
  const [addError, setAddError] = React.useState<{ country?: string; price?: string }>({});

  const save = useMutation(
    trpc.messagingSettings.updateSmsPricing.mutationOptions({
      onSuccess: (saved) => {
        setErrors({});
        toast.success("SMS prices saved");
        queryClient.setQueryData(trpc.messagingSettings.smsPricing.queryKey(), saved);
      },
      onError: (error) => {
        const { fieldErrors, formError } = formErrorsFrom(error);
        setErrors(fieldErrors);
        toast.error(formError);
      },
    }),
  );

  const disabled = !canEdit || save.isPending;
  const input = toInput(draft);
  const dirty = JSON.stringify(input) !== JSON.stringify(toInput(toDraft(initial)));
  const priced = React.useMemo(() => new Set(draft.rows.map((row) => row.country)), [draft.rows]);
  const available = React.useMemo(
    () =>
      SMS_PRICE_COUNTRIES.filter((code) => !priced.has(code)).sort((a, b) =>
        countryName(a).localeCompare(countryName(b)),
      ),
    [priced],
  );
  const missingTypical = Object.keys(TYPICAL_SMS_PRICES).filter((code) => !priced.has(code));

  const updateRow = (rowId: string, price: string) => {
    setDraft((current) => ({
      ...current,
      rows: current.rows.map((row) => (row.rowId === rowId ? { ...row, price } : row)),
    }));
  };
  const removeRow = (rowId: string) => {
    setDraft((current) => ({ ...current, rows: current.rows.filter((row) => row.rowId !== rowId) }));
    setErrors({});
  };

  const addRow = () => {
    const problems: { country?: string; price?: string } = {};
    if (!newCountry) problems.country = "Choose a country";
    const price = ZSegmentPrice.safeParse(toNumber(newPrice));
    if (!price.success) problems.price = price.error.issues[0]?.message ?? "Enter a price";
    setAddError(problems);
    if (problems.country || !price.success) return;
    setDraft((current) => ({
      ...current,
      rows: [...current.rows, { rowId: newRowId(), country: newCountry, price: String(price.data) }],
    }));
    setNewCountry("");
    setNewPrice("");
  };

  const addTypical = () => {
    setDraft((current) => {
      const have = new Set(current.rows.map((row) => row.country));
      const added = Object.entries(TYPICAL_SMS_PRICES)
        .filter(([code]) => !have.has(code))
        .map(([country, price]) => ({ rowId: newRowId(), country, price: String(price) }));
      return { ...current, rows: [...current.rows, ...added] };
    });
    toast.success("Typical prices added: check them against your provider's, then save");
  };

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const parsed = ZSmsPricing.safeParse(input);
    if (!parsed.success) {
      setErrors(fieldErrorsOf(parsed.error.issues));
      return;
    }
    setErrors({});
    save.mutate(parsed.data);
  };

  return (
    <form onSubmit={submit} noValidate aria-label="SMS prices">
      <Card>
        <CardHeader>
          <CardTitle>SMS prices</CardTitle>
          <CardDescription>
            What one SMS segment costs you, in USD, by the recipient&apos;s country. The dry run of an SMS campaign
            estimates its cost from these prices, and a run whose cost moved from the reviewed estimate pauses before
            sending. Numbers in countries without a price here, and numbers whose country is unknown, use the default
            price.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-6">
          <FormField
            label="Default price per segment (USD)"
            description={`From 0 to ${MAX_SEGMENT_PRICE}, up to ${PRICE_DECIMALS} decimals.`}
            error={errors.segmentPrice}
            className="max-w-xs"
          >
            <Input
              {...PRICE_INPUT}
              value={draft.segmentPrice}
              onChange={(event) => setDraft((current) => ({ ...current, segmentPrice: event.target.value }))}
              disabled={disabled}
            />
          </FormField>

          <div className="grid gap-2">
            {draft.rows.length === 0 ? (
              <p className="text-sm text-muted-foreground">No country prices: every number is priced at the default.</p>
            ) : (
              <Table>
                <TableCaption className="sr-only">Price per segment by destination country</TableCaption>
                <TableHeader>
                  <TableRow>
                    <TableHead scope="col">Country</TableHead>
                    <TableHead scope="col">Price per segment (USD)</TableHead>
                    {canEdit ? (
                      <TableHead scope="col">
                        <span className="sr-only">Actions</span>
                      </TableHead>
                    ) : null}
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {draft.rows.map((row) => {
                    const name = countryName(row.country);
                    const error = errors[`countryPrices.${row.country}`];
                    return (
                      <TableRow key={row.rowId} data-testid="sms-price-row">
                        <TableCell className="font-medium">
                          {name} <span className="text-muted-foreground">({row.country})</span>
                        </TableCell>
                        <TableCell>
                          <Input
                            {...PRICE_INPUT}
                            className="max-w-40"
                            value={row.price}
                            onChange={(event) => updateRow(row.rowId, event.target.value)}
                            disabled={disabled}
                            aria-label={`Price for ${name}`}
                            aria-invalid={error ? true : undefined}
                            aria-describedby={error ? `${row.rowId}-error` : undefined}
                          />
                          {error ? (
                            <p id={`${row.rowId}-error`} className="mt-1 text-xs font-medium text-destructive">
                              {error}
                            </p>
                          ) : null}
                        </TableCell>
                        {canEdit ? (
                          <TableCell className="w-12 text-right">
                            <Button
                              type="button"
                              variant="ghost"
                              size="icon"
                              className="text-muted-foreground hover:text-destructive"
                              onClick={() => removeRow(row.rowId)}
                              disabled={disabled}
                              aria-label={`Remove ${name}`}
                            >
                              <Trash2Icon />
                            </Button>
                          </TableCell>
                        ) : null}
                      </TableRow>
                    );
                  })}
                </TableBody>
              </Table>
            )}
            {errors.countryPrices ? (
              <p role="alert" className="text-xs font-medium text-destructive">
                {errors.countryPrices}
              </p>
            ) : null}
          </div>

          {canEdit ? (
            <div className="grid gap-3 rounded-lg border bg-muted/20 p-4">
              <div className="grid items-start gap-3 sm:grid-cols-[minmax(0,16rem)_minmax(0,10rem)_auto]">
                <FormField id="sms-price-new-country" label="Country" error={addError.country}>
                  <Select
                    value={newCountry}
                    onValueChange={(value) => {
                      setNewCountry(value);
                      setAddError((current) => ({ ...current, country: undefined }));
                    }}
                    disabled={disabled}
                  >
                    <SelectTrigger id="sms-price-new-country" aria-invalid={addError.country ? true : undefined}>
                      <SelectValue placeholder="Choose a country" />
                    </SelectTrigger>
                    <SelectContent className="max-h-72">
                      {available.map((code) => (
                        <SelectItem key={code} value={code}>
                          {countryName(code)} ({code})
                        </SelectItem>
                      ))}
                    </SelectContent>
                  </Select>
                </FormField>
                <FormField label="Price (USD)" error={addError.price}>
                  <Input
                    {...PRICE_INPUT}
                    value={newPrice}
                    onChange={(event) => {
                      setNewPrice(event.target.value);
                      setAddError((current) => ({ ...current, price: undefined }));
                    }}
                    onKeyDown={(event) => {
                      if (event.key === "Enter") {
                        event.preventDefault();
                        addRow();
                      }
                    }}
                    disabled={disabled}
                    placeholder="0.0079"
                  />
                </FormField>
                <Button
                  type="button"
                  variant="outline"
                  className="sm:mt-[1.375rem]"
                  onClick={addRow}
                  disabled={disabled}
                >
                  <PlusIcon />
                  Add country
                </Button>
              </div>
              <div className="flex flex-wrap items-center gap-3 border-t pt-3">
                <Button
                  type="button"
                  variant="outline"
                  size="sm"
                  onClick={addTypical}
                  disabled={disabled || missingTypical.length === 0}
                >
                  <SparklesIcon />
                  Add typical prices
                </Button>
                <p className="text-xs text-muted-foreground">
                  Fills {Object.keys(TYPICAL_SMS_PRICES).join(", ")} with typical list prices (estimates, not your
                  contract&apos;s): edit them to your provider&apos;s before relying on the cost. Prices already set are
                  kept.
                </p>
              </div>
            </div>
          ) : null}
        </CardContent>
        <SettingsSaveFooter
          canEdit={canEdit}
          dirty={dirty}
          pending={save.isPending}
          saveLabel="Save SMS prices"
          invalid={Object.keys(errors).length > 0}
          invalidText="Fix the highlighted prices, then save."
          onDiscard={() => {
            setDraft(toDraft(initial));
            setErrors({});
          }}
          readOnlyText="Only admins and owners can change SMS prices."
        />
      </Card>
    </form>
  );
}
