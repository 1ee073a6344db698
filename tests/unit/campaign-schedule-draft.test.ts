import { describe, expect, it } from "vitest";
import { handedOf, statusReasonText, timelineSummary } from "@/components/campaigns/progress-text";
import {
  bestHourWindowOf,
  buildRrule,
  defaultScheduleDraft,
  describeSchedule,
  optionsDraftFrom,
  optionsFromDraft,
  parseRrule,
  previewOccurrences,
  scheduleDraftFrom,
  scheduleInput,
  type ScheduleDraft,
} from "@/components/campaigns/schedule-draft";
import { occurrences } from "@/server/services/campaigns/schedule-rules";

/** The campaign editor's schedule and options forms (components/campaigns/schedule-draft.ts) and progress sentences. */

const NOW = new Date("2026-03-04T12:00:00Z"); // a Wednesday
const base = (patch: Partial<ScheduleDraft>): ScheduleDraft => ({ ...defaultScheduleDraft("UTC", NOW), ...patch });
const ID = "0b9f7a0e-8f0e-4d3c-9a55-3a4f3f0d2c11";

describe("recurrence rules", () => {
  it("builds the RRULE the server takes, days in week order", () => {
    const weekly = base({ frequency: "weekly", weekdays: ["WE", "MO"], recurTime: "10:00", ends: "count", count: "8" });
    expect(buildRrule(weekly)).toBe("FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=10;BYMINUTE=0;COUNT=8");
    expect(buildRrule(base({ frequency: "daily", recurTime: "07:30", ends: "until", until: "2027-01-01" }))).toBe(
      "FREQ=DAILY;BYHOUR=7;BYMINUTE=30;UNTIL=20270101T235959Z",
    );
    expect(buildRrule(base({ frequency: "monthly", monthDay: "15", recurTime: "09:05", ends: "never" }))).toBe(
      "FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=5",
    );
  });

  it("reads back a rule it built, and refuses rules it cannot show", () => {
    const draft = base({
      frequency: "weekly",
      weekdays: ["MO", "FR"],
      recurTime: "18:45",
      ends: "until",
      until: "2026-12-31",
    });
    expect(parseRrule(buildRrule(draft))).toEqual({
      frequency: "weekly",
      weekdays: ["MO", "FR"],
      monthDay: "1",
      recurTime: "18:45",
      ends: "until",
      count: "8",
      until: "2026-12-31",
    });
    expect(parseRrule("FREQ=HOURLY;INTERVAL=2")).toBeNull();
    expect(parseRrule("FREQ=WEEKLY;BYSETPOS=1")).toBeNull();
    expect(parseRrule("FREQ=WEEKLY;BYDAY=XX")).toBeNull();
  });

  it("previews the same occurrences as the server computes, across a DST change", () => {
    const rules = [
      "FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0;COUNT=8",
      "FREQ=DAILY;BYHOUR=8;BYMINUTE=30",
      "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;COUNT=3",
    ];
    for (const rrule of rules) {
      const server = occurrences({ rrule, timezone: "America/New_York" }, NOW, 3);
      expect(server).toHaveLength(3);
      expect(previewOccurrences(rrule, "America/New_York", NOW, 3), rrule).toEqual(server);
    }
    // US clocks go forward on 2026-03-08: Monday 10:00 is 15:00 UTC before, 14:00 UTC after.
    expect(previewOccurrences("FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0", "America/New_York", NOW, 2)).toEqual([
      new Date("2026-03-09T14:00:00Z"),
      new Date("2026-03-16T14:00:00Z"),
    ]);
    expect(previewOccurrences("not a rule", "UTC", NOW, 3)).toEqual([]);
  });
});

describe("schedule input", () => {
  it("sends now with the id alone, and the other modes with the server's fields", () => {
    expect(scheduleInput(ID, base({ mode: "now" }))).toEqual({ ok: true, value: { id: ID } });
    expect(
      scheduleInput(ID, base({ mode: "at", date: "2026-12-10", time: "10:00", timezone: "Europe/Paris" })),
    ).toEqual({ ok: true, value: { id: ID, at: "2026-12-10T10:00", timezone: "Europe/Paris" } });
    expect(scheduleInput(ID, base({ mode: "local", date: "2026-12-10", time: "10:00", late: "send_now" }))).toEqual({
      ok: true,
      value: { id: ID, localTime: "10:00", date: "2026-12-10", late: "send_now" },
    });
    expect(
      scheduleInput(
        ID,
        base({ mode: "recurring", frequency: "weekly", weekdays: ["MO"], timezone: "America/New_York", count: "8" }),
      ),
    ).toEqual({
      ok: true,
      value: { id: ID, rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0;COUNT=8", timezone: "America/New_York" },
    });
  });

  it("names the fields to fix before calling the server", () => {
    expect(scheduleInput(ID, base({ mode: "at", date: "", time: "25:00" }))).toEqual({
      ok: false,
      errors: { at: "Choose a date", time: "Give the time as HH:MM" },
    });
    expect(scheduleInput(ID, base({ mode: "local", date: "tomorrow" }))).toMatchObject({
      ok: false,
      errors: { date: "Choose a date" },
    });
    expect(
      scheduleInput(ID, base({ mode: "recurring", frequency: "weekly", weekdays: [], ends: "count", count: "0" })),
    ).toEqual({ ok: false, errors: { weekdays: "Choose at least one day", count: "Give a number from 1 to 1,000" } });
    expect(scheduleInput(ID, base({ mode: "recurring", frequency: "daily", ends: "until", until: "" }))).toMatchObject({
      ok: false,
      errors: { until: "Choose the last date" },
    });
  });

  it("starts tomorrow at 10:00 in the workspace's zone, or from the campaign's schedule", () => {
    const fresh = defaultScheduleDraft("Pacific/Kiritimati", new Date("2026-03-04T12:00:00Z"));
    // Kiritimati is UTC+14: it is already Thursday 5 March there.
    expect(fresh).toMatchObject({ mode: "now", date: "2026-03-06", time: "10:00", weekdays: ["FR"] });
    expect(
      scheduleDraftFrom({ type: "at", at: "2026-12-10T09:00:00.000Z", timezone: "Europe/Paris" }, "UTC", NOW),
    ).toMatchObject({ mode: "at", date: "2026-12-10", time: "10:00", timezone: "Europe/Paris" });
    expect(
      scheduleDraftFrom(
        { type: "recurring", rrule: "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=15;COUNT=4", timezone: "Asia/Tokyo" },
        "UTC",
        NOW,
      ),
    ).toMatchObject({ mode: "recurring", weekdays: ["TU"], recurTime: "09:15", count: "4", timezone: "Asia/Tokyo" });
  });
});

describe("best-hour schedule", () => {
  const draft = base({
    mode: "best_hour",
    date: "2026-03-08",
    time: "01:00",
    timezone: "America/New_York",
    windowHours: "12",
    fallbackHour: "9",
  });

  it("sends the window and its fields as the server takes them", () => {
    expect(scheduleInput(ID, draft)).toEqual({
      ok: true,
      value: {
        id: ID,
        timezone: "America/New_York",
        bestHour: { windowStart: "2026-03-08T01:00", windowHours: 12, fallbackHour: 9 },
      },
    });
    // The dry run's preview takes the same window as an instant (01:00 EST).
    expect(bestHourWindowOf(draft)).toEqual({
      windowStart: "2026-03-08T06:00:00.000Z",
      windowHours: 12,
      fallbackHour: 9,
    });
  });

  it("names the fields to fix, keyed like the server's", () => {
    expect(scheduleInput(ID, { ...draft, windowHours: "25", fallbackHour: "", date: "" })).toEqual({
      ok: false,
      errors: {
        date: "Choose a date",
        "bestHour.windowHours": "Give a number of hours from 1 to 24",
        "bestHour.fallbackHour": "Give an hour from 0 to 23",
      },
    });
    expect(bestHourWindowOf({ ...draft, windowHours: "0" })).toBeNull();
  });

  it("reads a stored best-hour schedule back into the form and says it in a sentence", () => {
    const stored = {
      type: "best_hour" as const,
      windowStart: "2026-03-08T06:00:00.000Z",
      windowHours: 12,
      fallbackHour: 9,
      timezone: "America/New_York",
    };
    expect(scheduleDraftFrom(stored, "UTC", NOW)).toMatchObject({
      mode: "best_hour",
      date: "2026-03-08",
      time: "01:00",
      timezone: "America/New_York",
      windowHours: "12",
      fallbackHour: "9",
    });
    expect(describeSchedule(stored)).toBe(
      "Sends at each recipient's best hour (from their own opens and clicks, else the workspace's) within 12 hours from 2026-03-08 01:00 (America/New_York)",
    );
  });
});

describe("schedule sentences", () => {
  it("describes each kind of schedule", () => {
    expect(describeSchedule({ type: "local", localTime: "10:00", date: "2026-12-10", late: "next_day" })).toBe(
      "Sends at 10:00 in each recipient's time zone on 2026-12-10; where that time has already passed when it starts, the next day",
    );
    expect(
      describeSchedule({
        type: "recurring",
        rrule: "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=10;BYMINUTE=0;COUNT=8",
        timezone: "America/New_York",
      }),
    ).toBe("Every week on Monday and Wednesday at 10:00, 8 times (America/New_York)");
    expect(describeSchedule({ type: "at", at: "2026-12-10T09:00:00.000Z", timezone: "Europe/Paris" })).toBe(
      "Sends at 2026-12-10 10:00 (Europe/Paris)",
    );
    expect(describeSchedule({ type: "recurring", rrule: "FREQ=YEARLY", timezone: "UTC" })).toBe(
      "Recurring (FREQ=YEARLY) (UTC)",
    );
  });
});

describe("sending options", () => {
  it("turns the form into the options, percent into a share and empty pacing into none", () => {
    const draft = { ...optionsDraftFrom({}), driftPercent: "15", maxErrors: "50" };
    expect(optionsFromDraft(draft)).toEqual({
      ok: true,
      value: { errorPolicy: "pause", maxErrors: 50, pacingHours: null, sendingWindow: null, driftTolerance: 0.15 },
    });
    expect(
      optionsFromDraft({ ...draft, windowOn: true, windowDays: [5, 1], windowStart: "09:00", windowEnd: "17:00" }),
    ).toMatchObject({ ok: true, value: { sendingWindow: { days: [1, 5], start: "09:00", end: "17:00" } } });
    expect(optionsDraftFrom({ driftTolerance: 0.125, pacingHours: 4 })).toMatchObject({
      driftPercent: "12.5",
      pacingHours: "4",
    });
  });

  it("names the option fields to fix, keyed like the server's", () => {
    const draft = optionsDraftFrom({});
    expect(
      optionsFromDraft({
        ...draft,
        maxErrors: "0",
        pacingHours: "100",
        windowOn: true,
        windowDays: [],
        windowStart: "18:00",
        windowEnd: "09:00",
        driftPercent: "",
      }),
    ).toEqual({
      ok: false,
      errors: {
        "options.maxErrors": "Give a whole number from 1",
        "options.pacingHours": "Give a number of hours from 0.1 to 72",
        "options.sendingWindow.days": "Choose at least one day",
        "options.sendingWindow.end": "The window must close after it opens",
        "options.driftTolerance": "Give a percentage from 0 to 100",
      },
    });
  });
});

describe("progress sentences", () => {
  const counts = {
    audience: 1500,
    sendable: 1000,
    queued: 400,
    deferred: 0,
    sent: 590,
    delivered: 0,
    failed: 10,
    cancelled: 0,
    skipped: 0,
    blocked: { no_consent: 500 },
  };

  it("counts what the run has dealt with against the sendable", () => {
    expect(handedOf(counts)).toEqual({ handed: 600, sendable: 1000, percent: 60 });
    expect(handedOf({ ...counts, sendable: 0, queued: 0 })).toEqual({ handed: 0, sendable: 0, percent: 0 });
  });

  it("explains why a run paused, with the campaign's own tolerance", () => {
    expect(statusReasonText("paused", "drift", { driftTolerance: 0.15 })).toContain(
      "moved more than 15% since the dry run",
    );
    expect(statusReasonText("paused", "errors", { maxErrors: 20 })).toContain(
      "Paused after too many errors (20 failed)",
    );
    expect(statusReasonText("paused", null, {})).toBeNull();
  });

  it("sums up a chunk of the timeline", () => {
    const event = {
      type: "chunk",
      runId: null,
      occurredAt: NOW,
      detail: { handed: 1000, queued: 988, blocked: 12, skipped: 0 },
    };
    expect(timelineSummary(event, {})).toBe("1,000 handed, 12 blocked");
  });
});
