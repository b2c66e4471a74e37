// ISO weeks (Monday to Sunday; week 1 holds the year's first Thursday) and calendar
// dates as `YYYY-MM-DD` strings. Dates are handled as UTC midnights so that no local
// time zone or daylight-saving change can shift a day.

const DAY = 86_400_000;
const WEEK_RE = /^(\d{4})-W(\d{2})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` → a Date at UTC midnight (throws on a malformed date). */
export function parseDate(date: string): Date {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`date invalide : ${date}`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (formatDate(d) !== date) throw new Error(`date invalide : ${date}`);
  return d;
}

/** A Date's UTC calendar day as `YYYY-MM-DD`. */
export function formatDate(d: Date): string {
  const y = String(d.getUTCFullYear()).padStart(4, "0");
  const m = String(d.getUTCMonth() + 1).padStart(2, "0");
  const day = String(d.getUTCDate()).padStart(2, "0");
  return `${y}-${m}-${day}`;
}

export function addDays(date: string, n: number): string {
  return formatDate(new Date(parseDate(date).getTime() + n * DAY));
}

/** 0 = Monday … 6 = Sunday. */
function isoWeekday(d: Date): number {
  return (d.getUTCDay() + 6) % 7;
}

/** Monday of week 1 of an ISO year. */
function firstMonday(year: number): Date {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  return new Date(jan4.getTime() - isoWeekday(jan4) * DAY);
}

/** Number of ISO weeks in a year (52 or 53). */
export function weeksInYear(year: number): number {
  return isoWeekParts(formatDate(new Date(Date.UTC(year, 11, 28)))).week;
}

function isoWeekParts(date: string): { year: number; week: number } {
  const d = parseDate(date);
  const thursday = new Date(d.getTime() + (3 - isoWeekday(d)) * DAY);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - firstMonday(year).getTime()) / (7 * DAY));
  return { year, week };
}

/** The ISO week of a date, e.g. `2026-W48` (the form of `<input type=week>`). */
export function isoWeek(date: string): string {
  const { year, week } = isoWeekParts(date);
  return `${year}-W${String(week).padStart(2, "0")}`;
}

export function isValidWeek(week: string): boolean {
  const m = WEEK_RE.exec(week);
  if (!m) return false;
  const w = Number(m[2]);
  return w >= 1 && w <= weeksInYear(Number(m[1]));
}

/** Monday and Sunday of an ISO week, inclusive. */
export function weekRange(week: string): { from: string; to: string } {
  const m = WEEK_RE.exec(week);
  if (!m || !isValidWeek(week)) throw new Error(`semaine invalide : ${week}`);
  const monday = new Date(firstMonday(Number(m[1])).getTime() + (Number(m[2]) - 1) * 7 * DAY);
  const from = formatDate(monday);
  return { from, to: addDays(from, 6) };
}

/** The week `n` weeks after (negative: before) `week`. */
export function shiftWeek(week: string, n: number): string {
  return isoWeek(addDays(weekRange(week).from, 7 * n));
}

/** From the Monday `count - 1` weeks before `week` to the Sunday of `week`. */
export function lastWeeks(week: string, count: number): { from: string; to: string } {
  return { from: weekRange(shiftWeek(week, -(count - 1))).from, to: weekRange(week).to };
}

/** Today's date in Paris (the organisation's day), as `YYYY-MM-DD`. */
export function todayInParis(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Paris",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** The current ISO week in Paris. */
export function currentWeek(now: Date = new Date()): string {
  return isoWeek(todayInParis(now));
}

/**
 * A `YYYY-MM-DD` date for reading, in the given locale (« 04/03/2026 » by default,
 * or with other Intl options, e.g. `{ weekday: "short", day: "2-digit", month: "2-digit" }`).
 * Anything else is returned as written.
 */
export function formatDay(
  date: string | null | undefined,
  locale = "fr-FR",
  options: Intl.DateTimeFormatOptions = { day: "2-digit", month: "2-digit", year: "numeric" },
): string {
  if (!date) return "";
  let d: Date;
  try {
    d = parseDate(date);
  } catch {
    return date;
  }
  return new Intl.DateTimeFormat(locale, { ...options, timeZone: "UTC" }).format(d);
}
