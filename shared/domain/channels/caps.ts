/**
 * Contact-pressure caps over rolling windows. Priority works by reserved share: a cap of `max` keeps
 * `reserved` slots that only journeys with `priority >= reservedFrom` may use.
 */
import type { PressureCap } from '../../config/channels.js';
import type { PressureSend } from '../../ports/channels.js';

const HOUR_MS = 3_600_000;

export type CapResult =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly windowHours: number; readonly retryAt?: Date };

/** Checks every cap; when capped, `retryAt` is when enough sends leave the window (none if never). */
export function evaluateCaps(
  sends: readonly PressureSend[],
  caps: readonly PressureCap[],
  now: Date,
  priority: number,
  reservedFrom: number,
): CapResult {
  let worst: { windowHours: number; retryAt?: Date } | undefined;
  for (const cap of caps) {
    const windowMs = cap.windowHours * HOUR_MS;
    const inWindow = sends
      .filter((s) => s.at > now.getTime() - windowMs && s.at <= now.getTime())
      .map((s) => s.at)
      .sort((a, b) => a - b);
    const limit = priority >= reservedFrom ? cap.max : cap.max - cap.reserved;
    if (inWindow.length < limit) continue;
    if (limit <= 0) return { allowed: false, windowHours: cap.windowHours };
    // The window frees a slot when the (length - limit + 1)-th oldest send leaves it.
    const leaving = inWindow[inWindow.length - limit]!;
    const retryAt = new Date(leaving + windowMs);
    if (!worst || (worst.retryAt && retryAt > worst.retryAt))
      worst = { windowHours: cap.windowHours, retryAt };
  }
  return worst ? { allowed: false, ...worst } : { allowed: true };
}

/** Sends still inside the longest window, plus the new one: what the pressure item keeps. */
export function nextPressureSends(
  sends: readonly PressureSend[],
  caps: readonly PressureCap[],
  now: Date,
  add: PressureSend,
): PressureSend[] {
  const longest = Math.max(0, ...caps.map((c) => c.windowHours)) * HOUR_MS;
  return [...sends.filter((s) => s.at > now.getTime() - longest), add];
}
