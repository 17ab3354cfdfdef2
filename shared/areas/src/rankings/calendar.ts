/**
 * Business calendar: sales are counted per day, ISO week and month of BUSINESS_TZ. Calendar dates
 * are plain `YYYY-MM-DD` strings; arithmetic on them runs in UTC, where every day is 24 h long, so
 * no daylight-saving shift can move a date. Only `businessDate` looks at the time zone.
 */

/** The contract's default; every app's env carries BUSINESS_TZ with the same default. */
export const DEFAULT_BUSINESS_TZ = "Asia/Seoul";

export const periods = ["DAILY", "WEEKLY", "MONTHLY"] as const;
export type Period = (typeof periods)[number];

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    // Throws RangeError for an unknown zone: a bad BUSINESS_TZ fails at start, not mid-projection.
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(tz, f);
  }
  return f;
}

/** The calendar date of an instant in `tz`. */
export function businessDate(instant: Date, tz: string): string {
  const parts = Object.fromEntries(
    formatterFor(tz)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Fails fast on a zone Intl does not know. */
export function assertTimeZone(tz: string): void {
  formatterFor(tz);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const toUtc = (date: string): Date => new Date(`${date}T00:00:00.000Z`);
const fromUtc = (d: Date): string => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

/** A real `YYYY-MM-DD` date (2026-02-30 is not one). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = toUtc(text);
  return !Number.isNaN(d.getTime()) && fromUtc(d) === text;
}

export const addDays = (date: string, days: number): string => fromUtc(new Date(toUtc(date).getTime() + days * DAY_MS));

/** Monday of the ISO week (Mon–Sun) holding `date`: weekly rows are keyed by it. */
export function isoWeekStart(date: string): string {
  const dow = toUtc(date).getUTCDay(); // 0 = Sunday
  return addDays(date, -((dow + 6) % 7));
}

/** The 1st of the month holding `date`: monthly rows are keyed by it. */
export const monthStart = (date: string): string => `${date.slice(0, 8)}01`;

export function monthEnd(date: string): string {
  const d = toUtc(date);
  return fromUtc(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)));
}

/** The key of the period holding `date`. */
export function periodStart(period: Period, date: string): string {
  if (period === "DAILY") return date;
  return period === "WEEKLY" ? isoWeekStart(date) : monthStart(date);
}

/** First and last day (inclusive) of the period holding `date`; `from` is also the row key. */
export function periodRange(period: Period, date: string): { from: string; to: string } {
  const from = periodStart(period, date);
  if (period === "DAILY") return { from, to: from };
  return { from, to: period === "WEEKLY" ? addDays(from, 6) : monthEnd(from) };
}

/** Every date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
