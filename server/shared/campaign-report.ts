/** Hours after a run's start the report's hourly opens and clicks cover. */
export const REPORT_HOURS = 72;
/** Most links listed in a campaign report. */
export const REPORT_TOP_LINKS = 20;
/** Campaigns compared side by side: at least, at most. */
export const COMPARE_MIN = 2;
export const COMPARE_MAX = 5;
