import { describe, expect, it } from "vitest";
import {
  defaultMessagingSettings,
  readMessagingSettings,
  ZMessagingSettings,
} from "@/server/shared/messaging-settings";

describe("messaging settings defaults (docs/contract.md, Messaging defaults)", () => {
  it("a workspace without settings gets quiet hours 08:00–21:00 with state rules, no caps, New York time", () => {
    expect(readMessagingSettings({})).toEqual({
      quietHours: { enabled: true, start: "08:00", end: "21:00", stateRules: true },
      frequencyCaps: [],
      sendingLimits: { email: [], sms: [] },
      timezone: "America/New_York",
    });
    expect(readMessagingSettings(null)).toEqual(defaultMessagingSettings());
    expect(readMessagingSettings({ messaging: "nonsense" })).toEqual(defaultMessagingSettings());
  });

  it("the default zone follows the workspace's own zone, then the caller's fallback", () => {
    expect(readMessagingSettings({ timezone: "Europe/London" }).timezone).toBe("Europe/London");
    expect(readMessagingSettings({}, "Europe/Berlin").timezone).toBe("Europe/Berlin");
    expect(readMessagingSettings({ timezone: "Nowhere/Land" }, null).timezone).toBe("America/New_York");
    expect(readMessagingSettings({ messaging: { timezone: "Asia/Tokyo" }, timezone: "Europe/London" }).timezone).toBe(
      "Asia/Tokyo",
    );
  });

  it("stored values win, and missing fields take their defaults", () => {
    const settings = readMessagingSettings({
      messaging: {
        quietHours: { start: "09:00" },
        frequencyCaps: [{ channel: "sms", topicKey: "promotions", max: 4, days: 7 }],
      },
    });
    expect(settings.quietHours).toEqual({ enabled: true, start: "09:00", end: "21:00", stateRules: true });
    expect(settings.frequencyCaps).toEqual([{ channel: "sms", topicKey: "promotions", max: 4, days: 7 }]);
  });

  it("a section that no longer validates falls back to its default alone", () => {
    const settings = readMessagingSettings({
      messaging: {
        quietHours: { enabled: false, start: "25:00", end: "21:00" },
        frequencyCaps: [{ channel: "sms", topicKey: null, max: 3, days: 7 }],
        timezone: "Europe/Paris",
      },
    });
    expect(settings.quietHours.enabled).toBe(true);
    expect(settings.frequencyCaps).toHaveLength(1);
    expect(settings.timezone).toBe("Europe/Paris");
    expect(
      readMessagingSettings({ messaging: { frequencyCaps: [{ channel: "fax", max: 1, days: 1 }] } }).frequencyCaps,
    ).toEqual([]);
    // A broken sending limit means no limit (never a stop), and leaves the other sections alone.
    const limits = readMessagingSettings({
      messaging: {
        sendingLimits: { sms: [{ seconds: 0, max: 5 }] },
        frequencyCaps: [{ channel: "sms", topicKey: null, max: 3, days: 7 }],
      },
    });
    expect(limits.sendingLimits).toEqual({ email: [], sms: [] });
    expect(limits.frequencyCaps).toHaveLength(1);
    expect(
      readMessagingSettings({ messaging: { sendingLimits: { sms: [{ seconds: 60, max: 20 }] } } }).sendingLimits,
    ).toEqual({ email: [], sms: [{ seconds: 60, max: 20 }] });
  });
});

describe("ZMessagingSettings", () => {
  const valid = defaultMessagingSettings();
  const issues = (value: unknown) => {
    const result = ZMessagingSettings.safeParse(value);
    return result.success
      ? []
      : result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  };

  it("accepts the defaults and fills an empty object with them", () => {
    expect(issues(valid)).toEqual([]);
    expect(ZMessagingSettings.parse({})).toEqual(valid);
  });

  it("rejects malformed times and a window that ends before it starts", () => {
    expect(issues({ ...valid, quietHours: { ...valid.quietHours, start: "8am" } })).toEqual([
      { path: "quietHours.start", message: "Use a 24-hour time such as 08:00" },
    ]);
    expect(issues({ ...valid, quietHours: { ...valid.quietHours, start: "21:00", end: "08:00" } })).toEqual([
      { path: "quietHours.end", message: "The window must end after it starts" },
    ]);
  });

  it("rejects an unknown time zone", () => {
    expect(issues({ ...valid, timezone: "Mars/Base" })).toEqual([{ path: "timezone", message: "Unknown time zone" }]);
  });

  it("validates each cap and refuses duplicates", () => {
    const cap = { channel: "sms", topicKey: null, max: 3, days: 7 };
    expect(issues({ ...valid, frequencyCaps: [{ ...cap, max: 0 }] })).toEqual([
      { path: "frequencyCaps.0.max", message: "At least 1" },
    ]);
    expect(issues({ ...valid, frequencyCaps: [{ ...cap, days: 1.5 }] })).toEqual([
      { path: "frequencyCaps.0.days", message: "Use a whole number" },
    ]);
    expect(issues({ ...valid, frequencyCaps: [{ ...cap, days: 365 }] })).toEqual([
      { path: "frequencyCaps.0.days", message: "At most 90 days" },
    ]);
    expect(issues({ ...valid, frequencyCaps: [cap, { ...cap, max: 5 }] })).toEqual([
      { path: "frequencyCaps.1.max", message: "Another cap already counts this channel, topic and period" },
    ]);
    // Same channel and topic over a different period is a second, legitimate cap.
    expect(issues({ ...valid, frequencyCaps: [cap, { ...cap, max: 1, days: 1 }] })).toEqual([]);
  });

  it("validates sending limits with readable messages, one limit per channel and period", () => {
    const limits = (sms: unknown[]) => ({ ...valid, sendingLimits: { email: [], sms } });
    expect(
      issues(
        limits([
          { seconds: 1, max: 5 },
          { seconds: 60, max: 20 },
          { seconds: 86_400, max: 10_000 },
        ]),
      ),
    ).toEqual([]);
    expect(issues(limits([{ seconds: 0, max: 5 }]))).toEqual([
      { path: "sendingLimits.sms.0.seconds", message: "At least 1 second" },
    ]);
    expect(issues(limits([{ seconds: 90_000, max: 5 }]))).toEqual([
      { path: "sendingLimits.sms.0.seconds", message: "At most one day" },
    ]);
    expect(issues(limits([{ seconds: 60, max: 0 }]))).toEqual([
      { path: "sendingLimits.sms.0.max", message: "At least 1" },
    ]);
    expect(issues(limits([{ seconds: 60, max: 2.5 }]))).toEqual([
      { path: "sendingLimits.sms.0.max", message: "Use a whole number" },
    ]);
    expect(issues(limits([{ seconds: 60, max: Number.NaN }]))).toEqual([
      { path: "sendingLimits.sms.0.max", message: "Enter a number" },
    ]);
    expect(
      issues(
        limits([
          { seconds: 60, max: 20 },
          { seconds: 60, max: 30 },
        ]),
      ),
    ).toEqual([
      { path: "sendingLimits.sms.1.seconds", message: "Another limit of this channel already counts this period" },
    ]);
    expect(issues(limits(Array.from({ length: 6 }, (_, i) => ({ seconds: i + 1, max: 1 }))))).toEqual([
      { path: "sendingLimits.sms", message: "At most 5 limits per channel" },
    ]);
  });
});
