/**
 * Quiet hours in the recipient's time zone, DST-correct through Intl. A send outside the allowed local
 * window gets the instant the next window opens, so a journey can wait until then.
 */
import type { SendWindow } from '../../config/channels.js';
import { zonedParts } from '../time-zone.js';

export { zonedParts };

/** A weekday-aware allowed window: index 0 = Sunday … 6 = Saturday. */
export type WeeklyWindow = (weekday: number) => SendWindow;

/**
 * Stricter US state windows for marketing SMS (telephone-solicitation laws that cover texts), intersected
 * with the configured window. Not legal advice: a small table of well-known cases, kept in docs/channels.md.
 */
export const US_STATE_SMS_WINDOWS: Readonly<
  Record<string, { window: SendWindow; sunday?: SendWindow; law: string }>
> = {
  FL: {
    window: { start: '08:00', end: '20:00' },
    law: 'Florida Telephone Solicitation Act, Fla. Stat. § 501.059(8)(a)',
  },
  OK: {
    window: { start: '08:00', end: '20:00' },
    law: 'Oklahoma Telephone Solicitation Act of 2022, 15 O.S. § 775C.4',
  },
  MD: {
    window: { start: '08:00', end: '20:00' },
    law: 'Maryland Stop the Spam Calls Act of 2023, Com. Law § 14-4503',
  },
  WA: { window: { start: '08:00', end: '20:00' }, law: 'RCW 80.36.390 (telephone solicitation)' },
  TX: {
    window: { start: '09:00', end: '21:00' },
    sunday: { start: '12:00', end: '21:00' },
    law: 'Tex. Bus. & Com. Code § 301.051',
  },
};

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (m: number): string =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** The intersection of two windows (both start < end). */
function intersect(a: SendWindow, b: SendWindow): SendWindow {
  const start = Math.max(minutesOf(a.start), minutesOf(b.start));
  const end = Math.min(minutesOf(a.end), minutesOf(b.end));
  return end > start ? { start: hhmm(start), end: hhmm(end) } : { start: hhmm(start), end: hhmm(start) };
}

/** The weekly window for a channel's configured window, narrowed by the recipient's state when known. */
export function weeklyWindow(base: SendWindow, usState?: string): WeeklyWindow {
  const rule = usState ? US_STATE_SMS_WINDOWS[usState.toUpperCase()] : undefined;
  if (!rule) return () => base;
  return (weekday) => intersect(base, weekday === 0 && rule.sunday ? rule.sunday : rule.window);
}

/** Whether an IANA time zone name is known to this runtime. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Offset of the zone from UTC at an instant, in milliseconds. */
function offsetMs(instant: number, timeZone: string): number {
  const p = zonedParts(new Date(instant), timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant of a local wall-clock time. Times skipped by a spring-forward change resolve to the
 * instant just after the gap; repeated times (fall back) resolve to the first occurrence.
 */
export function zonedTimeToUtc(
  local: { year: number; month: number; day: number; hour: number; minute: number },
  timeZone: string,
): Date {
  const guess = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  const first = guess - offsetMs(guess, timeZone);
  const second = guess - offsetMs(first, timeZone);
  if (first === second) return new Date(first);
  // Ambiguous or skipped: take the earlier candidate whose local time round-trips, else the later one.
  const candidates = [Math.min(first, second), Math.max(first, second)];
  for (const c of candidates) {
    const p = zonedParts(new Date(c), timeZone);
    if (p.hour === local.hour && p.minute === local.minute) return new Date(c);
  }
  return new Date(Math.max(first, second));
}

export type QuietHoursResult =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAt: Date };

/** Whether `now` falls in the allowed window in `timeZone`; when not, when the next window opens. */
export function checkQuietHours(now: Date, timeZone: string, window: WeeklyWindow): QuietHoursResult {
  const local = zonedParts(now, timeZone);
  const minute = local.hour * 60 + local.minute;
  const today = window(local.weekday);
  const start = minutesOf(today.start);
  const end = minutesOf(today.end);
  const inside =
    start === end ? false : start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (inside) return { allowed: true };
  // Look for the next day whose window is not empty (at most a week ahead).
  for (let offset = minute < start && start !== end ? 0 : 1; offset <= 7; offset++) {
    const day = new Date(Date.UTC(local.year, local.month - 1, local.day + offset));
    const w = window(day.getUTCDay());
    const s = minutesOf(w.start);
    if (s === minutesOf(w.end)) continue;
    const retryAt = zonedTimeToUtc(
      {
        year: day.getUTCFullYear(),
        month: day.getUTCMonth() + 1,
        day: day.getUTCDate(),
        hour: Math.floor(s / 60),
        minute: s % 60,
      },
      timeZone,
    );
    if (retryAt.getTime() > now.getTime()) return { allowed: false, retryAt };
  }
  return { allowed: false, retryAt: new Date(now.getTime() + 7 * 86_400_000) };
}
