"use client";

import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { Spinner } from "@/components/ui/spinner";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toaster";
import { formErrorsFrom } from "@/components/ui/form-errors";
import { useTRPC } from "@/components/providers/trpc-provider";
import { MAX_SEED_ADDRESSES, seedChannelOf } from "@/server/shared/seed-list";

interface Props {
  /** The saved list, as this member may see it (masked for viewers). */
  seedList: { addresses: { address: string; channel: "email" | "sms" }[]; masked: boolean };
  canEdit: boolean;
}

/** One address per line (commas and semicolons too), blanks dropped. */
function parseAddresses(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/**
 * Settings → General, "Seed list": the team's own inboxes and phones that get a copy of every
 * campaign run (email seeds for email campaigns, phone seeds for SMS campaigns), so someone sees
 * each send as it went out. Up to 20, one per line; admins and owners edit it, viewers see it masked.
 */
export function SeedListCard({ seedList, canEdit }: Props) {
  const trpc = useTRPC();
  const router = useRouter();
  const saved = seedList.addresses.map((a) => a.address).join("\n");
  const [text, setText] = React.useState(saved);
  const [error, setError] = React.useState<string | undefined>();
  const update = useMutation(
    trpc.workspace.updateSeedList.mutationOptions({
      onSuccess: (answer) => {
        setError(undefined);
        setText(answer.addresses.map((a) => a.address).join("\n"));
        toast.success("Seed list saved");
        router.refresh();
      },
      onError: (failure) => {
        const { fieldErrors, formError } = formErrorsFrom(failure, { fallbackField: "addresses" });
        const fieldError = Object.entries(fieldErrors).find(([field]) => field.startsWith("addresses"))?.[1];
        setError(fieldError ?? formError);
        if (!fieldError) toast.error(formError);
      },
    }),
  );
  const addresses = parseAddresses(text);
  const emails = addresses.filter((a) => seedChannelOf(a) === "email").length;
  const phones = addresses.length - emails;
  const tooMany = addresses.length > MAX_SEED_ADDRESSES;
  const editable = canEdit && !seedList.masked;

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (tooMany) {
          setError(`At most ${MAX_SEED_ADDRESSES} seed addresses`);
          return;
        }
        update.mutate({ addresses });
      }}
    >
      <Card>
        <CardHeader>
          <CardTitle>Seed list</CardTitle>
          <CardDescription>
            Your own inboxes and phones that get a copy of every campaign run as it goes out, to check how it arrives.
            Email campaigns go to the email addresses, SMS campaigns to the phone numbers. Copies need no consent, are
            left out of the campaign&apos;s counts, and never go to a suppressed address.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid max-w-xl gap-2">
          <FormField
            label="Seed addresses"
            description={`One email address or phone number per line, up to ${MAX_SEED_ADDRESSES}. Phone numbers without a country code are read in the default region.`}
            error={error}
          >
            <Textarea
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setError(undefined);
              }}
              disabled={!editable}
              rows={5}
              spellCheck={false}
              autoComplete="off"
              placeholder={"qa-inbox@example.com\n+14155550100"}
            />
          </FormField>
          <p className="text-xs text-muted-foreground" aria-live="polite">
            {addresses.length === 0
              ? "No seed addresses: campaign runs send no copies."
              : `${emails} email ${emails === 1 ? "address" : "addresses"}, ${phones} phone ${phones === 1 ? "number" : "numbers"}${tooMany ? ` (more than ${MAX_SEED_ADDRESSES})` : ""}.`}
          </p>
        </CardContent>
        {editable ? (
          <CardFooter className="justify-end border-t pt-4">
            <Button type="submit" disabled={text === saved || update.isPending}>
              {update.isPending ? <Spinner /> : null}
              Save seed list
            </Button>
          </CardFooter>
        ) : (
          <CardFooter className="border-t pt-4 text-sm text-muted-foreground">
            {seedList.masked
              ? "Addresses are masked for your role. Only admins and owners can change the seed list."
              : "Only admins and owners can change the seed list."}
          </CardFooter>
        )}
      </Card>
    </form>
  );
}
