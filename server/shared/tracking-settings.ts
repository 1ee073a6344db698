import { z } from "zod";

/**
 * A workspace's tracking switches, stored in `workspaces.settings.tracking` (Settings → General):
 * open pixel and click redirects in marketing messages (on by default), and whether machine
 * opens and clicks (security scanners, Apple Mail Privacy Protection) count in the rates (off).
 */
export const ZTrackingSettings = z.object({
  opens: z.boolean().default(true).describe("Add an open pixel to marketing email"),
  clicks: z.boolean().default(true).describe("Send the links of marketing email and SMS through tracked redirects"),
  countMachineOpens: z
    .boolean()
    .default(false)
    .describe("Count opens and clicks taken for a machine's (scanners, Apple Mail Privacy Protection) in the rates"),
});

export type TrackingSettings = z.infer<typeof ZTrackingSettings>;

export const DEFAULT_TRACKING_SETTINGS: TrackingSettings = { opens: true, clicks: true, countMachineOpens: false };

/** The stored switches over the defaults (anything unreadable is the default). */
export function readTrackingSettings(settings: Record<string, unknown> | null | undefined): TrackingSettings {
  const parsed = ZTrackingSettings.safeParse(settings?.tracking ?? {});
  return parsed.success ? parsed.data : { ...DEFAULT_TRACKING_SETTINGS };
}
