/** Times as the province reads them: Asia/Ho_Chi_Minh, 24-hour, whatever the browser's own zone. */

export const ZONE = "Asia/Ho_Chi_Minh";

const clock = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});
const dateTime = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});
const dateOnly = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit",
});

function parts(format: Intl.DateTimeFormat, at: Date): Record<string, string> {
  return Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
}

/** HH:MM:SS */
export function formatClock(at: Date | number): string {
  const p = parts(clock, new Date(at));
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** DD/MM/YYYY HH:MM, the Vietnamese order of day and month. */
export function formatDateTime(at: Date | number | string): string {
  const p = parts(dateTime, new Date(at));
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

/** HH:MM, for an hour of a day already named. */
export function formatHourMinute(at: Date | number | string): string {
  return formatDateTime(at).slice(-5);
}

/** DD/MM/YYYY */
export function formatDate(at: Date | number | string): string {
  const p = parts(dateOnly, new Date(at));
  return `${p.day}/${p.month}/${p.year}`;
}

/** A time today as HH:MM:SS, an older one with its date. */
export function formatWhen(at: Date | number | string, now: Date | number = Date.now()): string {
  const when = new Date(at);
  return formatDate(when) === formatDate(now) ? formatClock(when) : formatDateTime(when);
}

/** Whole numbers with Vietnamese or English grouping; one decimal below 10 so small readings stay readable. */
export function formatNumber(value: number, language: "vi" | "en", decimals?: number): string {
  const digits = decimals ?? (Math.abs(value) < 10 && !Number.isInteger(value) ? 1 : 0);
  return new Intl.NumberFormat(language === "vi" ? "vi-VN" : "en-GB", {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(value);
}

/** The day in Asia/Ho_Chi_Minh as YYYY-MM-DD (what the API's ``day`` parameters mean). */
export function localDay(at: Date | number = Date.now()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}
