/**
 * Guardrail windows on a compressed clock. Locally, `FELTFIT_TIME_SCALE` (the speed-up, e.g. 3600 =
 * an hour a second) compresses journey waits; without the same compression of the guardrails a day's
 * frequency cap would outlast a whole compressed journey (only the welcome email would ever go out)
 * and quiet hours would stay as they are in real time. In AWS the variable is absent: speed 1, and
 * every function here is the identity.
 *
 * - Caps: each window is `windowHours / speed` of real time (24 h at 3600 → 24 s).
 * - Quiet hours: the recipient's local clock is read off a virtual clock that runs `speed` times
 *   faster from a fixed epoch, VIRTUAL_EPOCH (2026-01-01T00:00Z). A fixed constant, not the
 *   runtime's start, because every local function computes it on its own and they must agree. The
 *   virtual date is meaningless; only the weekday and time of day matter. It wraps every 400
 *   Gregorian years (146,097 days, a whole number of weeks, so weekday and time of day run on
 *   unbroken) to stay within the dates `Date` and `Intl` can represent.
 * - `retryAt` is in journey time: the instant a journey's timestamp wait should name so that, with
 *   the local Step Functions dividing every wait by the speed-up, it wakes up when the window opens
 *   — `now + (real time until then) × speed`.
 */
import type { ChannelsConfig } from '../../config/channels.js';
import { checkQuietHours, type QuietHoursResult, type WeeklyWindow } from './quiet-hours.js';

/** Where the virtual clock coincides with real time. */
export const VIRTUAL_EPOCH = Date.UTC(2026, 0, 1);
const CYCLE_MS = 146_097 * 86_400_000;

/** The configuration with every contact-pressure window divided by the speed-up. */
export function scaleGuardrailWindows(config: ChannelsConfig, speed: number): ChannelsConfig {
  if (speed === 1) return config;
  const scale = (caps: ChannelsConfig['caps']['email']) =>
    caps.map((c) => ({ ...c, windowHours: c.windowHours / speed }));
  return {
    ...config,
    caps: {
      email: scale(config.caps.email),
      sms: scale(config.caps.sms),
      push: scale(config.caps.push),
      inApp: scale(config.caps.inApp),
    },
  };
}

/** The virtual clock's reading at a real instant. */
export function virtualInstant(now: Date, speed: number): Date {
  if (speed === 1) return now;
  const elapsed = ((((now.getTime() - VIRTUAL_EPOCH) * speed) % CYCLE_MS) + CYCLE_MS) % CYCLE_MS;
  return new Date(VIRTUAL_EPOCH + elapsed);
}

/** The journey-time instant for a real one: `now + (real − now) × speed`. */
export function journeyTime(now: Date, real: Date, speed: number): Date {
  if (speed === 1) return real;
  return new Date(now.getTime() + (real.getTime() - now.getTime()) * speed);
}

/**
 * Quiet hours on the virtual clock: whether the recipient's local time, `speed` times faster, is in
 * the window; when not, `retryAt` in journey time (see above).
 */
export function checkQuietHoursAtSpeed(
  now: Date,
  timeZone: string,
  window: WeeklyWindow,
  speed: number,
): QuietHoursResult {
  if (speed === 1) return checkQuietHours(now, timeZone, window);
  const virtual = virtualInstant(now, speed);
  const q = checkQuietHours(virtual, timeZone, window);
  if (q.allowed) return q;
  // Virtual time until the window opens is exactly the journey time until then.
  return { allowed: false, retryAt: new Date(now.getTime() + (q.retryAt.getTime() - virtual.getTime())) };
}
