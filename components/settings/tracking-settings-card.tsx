"use client";

import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { toast } from "@/components/ui/toaster";
import { errorMessage, useTRPC } from "@/components/providers/trpc-provider";
import type { TrackingSettings } from "@/server/shared/tracking-settings";
import { SettingsSaveFooter } from "./settings-save-footer";

const SWITCHES: { key: keyof TrackingSettings; id: string; label: string; description: string }[] = [
  {
    key: "opens",
    id: "tracking-opens",
    label: "Track opens",
    description: "Marketing emails carry an invisible 1×1 image; loading it records an open.",
  },
  {
    key: "clicks",
    id: "tracking-clicks",
    label: "Track clicks",
    description:
      "Links in marketing emails and texts go through a redirect that records the click (SMS links become short links). Unsubscribe and preference links never do.",
  },
  {
    key: "countMachineOpens",
    id: "tracking-machine",
    label: "Count machine opens and clicks",
    description:
      "Security scanners and Apple Mail Privacy Protection open messages nobody read. They are always shown apart; when on, they also count in the rates.",
  },
];

/**
 * Settings → General, "Tracking": open and click tracking of marketing messages (on by default),
 * and whether machine opens count in the rates (off). Admins and owners change it; the change
 * applies to messages sent from then on.
 */
export function TrackingSettingsCard({ settings, canEdit }: { settings: TrackingSettings; canEdit: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [draft, setDraft] = React.useState(settings);
  const update = useMutation(
    trpc.trackingSettings.update.mutationOptions({
      onSuccess: (saved) => {
        setDraft(saved);
        toast.success("Tracking settings saved");
        router.refresh();
      },
      onError: (failure) => toast.error(errorMessage(failure)),
    }),
  );
  const changed = SWITCHES.some(({ key }) => draft[key] !== settings[key]);

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate(draft);
      }}
    >
      <Card data-testid="tracking-settings">
        <CardHeader>
          <CardTitle>Tracking</CardTitle>
          <CardDescription>
            Opens and clicks of marketing messages, shown on each campaign&apos;s Engagement card. Changes apply to
            messages sent from now on; links already sent keep working.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid max-w-xl gap-4">
          {SWITCHES.map(({ key, id, label, description }) => (
            <div key={key} className="flex items-start gap-3">
              <Switch
                id={id}
                checked={draft[key]}
                onCheckedChange={(on) => setDraft((d) => ({ ...d, [key]: on }))}
                disabled={!canEdit}
              />
              <div className="grid gap-1">
                <Label htmlFor={id}>{label}</Label>
                <p className="text-xs text-muted-foreground">{description}</p>
              </div>
            </div>
          ))}
        </CardContent>
        <SettingsSaveFooter
          canEdit={canEdit}
          dirty={changed}
          pending={update.isPending}
          saveLabel="Save tracking"
          readOnlyText="Only admins and owners can change tracking."
        />
      </Card>
    </form>
  );
}
