import { describe, expect, it } from 'vitest';
import { defaultChannelsConfig, timeScaleFromEnv } from '../../../shared/config/channels.js';
import { evaluateCaps } from '../../../shared/domain/channels/caps.js';
import { checkQuietHours, weeklyWindow } from '../../../shared/domain/channels/quiet-hours.js';
import { send } from '../../../shared/domain/channels/send.js';
import {
  checkQuietHoursAtSpeed,
  journeyTime,
  scaleGuardrailWindows,
  VIRTUAL_EPOCH,
  virtualInstant,
} from '../../../shared/domain/channels/time-scale.js';
import { memorySendDeps, request } from './support.js';

const SPEED = 3600;
const DAY_WINDOW = weeklyWindow({ start: '08:00', end: '21:00' });
const T0 = new Date('2026-12-07T10:00:00.000Z');
const plus = (ms: number) => new Date(T0.getTime() + ms);

describe('FELTFIT_TIME_SCALE', () => {
  it('is 1 when absent, as in AWS, and must otherwise be a positive number', () => {
    expect(timeScaleFromEnv({})).toBe(1);
    expect(timeScaleFromEnv({ FELTFIT_TIME_SCALE: '' })).toBe(1);
    expect(timeScaleFromEnv({ FELTFIT_TIME_SCALE: '3600' })).toBe(3600);
    for (const bad of ['0', '-2', 'fast', 'Infinity'])
      expect(() => timeScaleFromEnv({ FELTFIT_TIME_SCALE: bad }), bad).toThrow(/FELTFIT_TIME_SCALE/);
  });
});

describe('frequency caps at a speed-up', () => {
  it('shrink a 24 h window to 24 s at 3600', () => {
    const scaled = scaleGuardrailWindows(defaultChannelsConfig, SPEED);
    expect(scaled.caps.email.map((c) => c.windowHours * 3_600_000)).toEqual([24_000, 7 * 24_000]);
    expect(scaled.caps.email.map((c) => c.max)).toEqual([1, 3]);
    // Nothing else changes.
    expect({ ...scaled, caps: defaultChannelsConfig.caps }).toEqual(defaultChannelsConfig);
  });

  it('leave the configuration untouched at real time', () => {
    expect(scaleGuardrailWindows(defaultChannelsConfig, 1)).toBe(defaultChannelsConfig);
    expect(virtualInstant(T0, 1)).toBe(T0);
    expect(journeyTime(T0, plus(5_000), 1)).toEqual(plus(5_000));
  });

  it('cap the second email of a compressed day and free the slot 24 real seconds after the first', () => {
    const caps = scaleGuardrailWindows(defaultChannelsConfig, SPEED).caps.email;
    const sends = [{ at: T0.getTime(), messageId: 'welcome', priority: 0 }];
    expect(evaluateCaps(sends, caps, plus(10_000), 0, 50)).toEqual({
      allowed: false,
      windowHours: 24 / SPEED,
      retryAt: plus(24_000),
    });
    expect(evaluateCaps(sends, caps, plus(24_001), 0, 50)).toEqual({ allowed: true });
  });

  it('make send skip with a retryAt in journey time, which a scaled wait turns into the 14 real seconds left', async () => {
    const s = memorySendDeps({ now: plus(10_000) });
    s.pressure.state.set('prof-1|email', {
      sends: [{ at: T0.getTime(), messageId: 'welcome', priority: 0 }],
      version: 1,
    });
    const deps = {
      ...s.deps,
      config: scaleGuardrailWindows(defaultChannelsConfig, SPEED),
      timeScale: SPEED,
    };
    const out = await send(deps, request());
    expect(out).toMatchObject({ outcome: 'Skipped', reason: 'frequency_cap' });
    const retryAt = Date.parse((out as { retryAt: string }).retryAt);
    // The local Step Functions sleeps (retryAt − now) / speed.
    expect((retryAt - plus(10_000).getTime()) / SPEED).toBeCloseTo(14_000, 6);
  });
});

describe('quiet hours at a speed-up', () => {
  it('read a virtual clock that runs an hour a second from a fixed epoch', () => {
    expect(virtualInstant(new Date(VIRTUAL_EPOCH), SPEED).getTime()).toBe(VIRTUAL_EPOCH);
    const v0 = virtualInstant(T0, SPEED).getTime();
    expect(virtualInstant(plus(1_000), SPEED).getTime() - v0).toBe(3_600_000);
    expect(virtualInstant(plus(24_000), SPEED).getTime() - v0).toBe(86_400_000);
  });

  it('rotate: over 24 real seconds the recipient’s day passes once, 13 s allowed and 11 s quiet', () => {
    const verdicts = Array.from({ length: 24 }, (_, i) => {
      const v = virtualInstant(plus(i * 1_000 + 500), SPEED);
      return checkQuietHoursAtSpeed(plus(i * 1_000 + 500), 'Europe/London', DAY_WINDOW, SPEED).allowed ===
        checkQuietHours(v, 'Europe/London', DAY_WINDOW).allowed
        ? checkQuietHours(v, 'Europe/London', DAY_WINDOW).allowed
        : 'mismatch';
    });
    expect(verdicts.filter((a) => a === true)).toHaveLength(13);
    expect(verdicts.filter((a) => a === false)).toHaveLength(11);
    // One contiguous quiet stretch per (virtual) day, wherever the day starts.
    const changes = verdicts.filter((a, i) => a !== verdicts[(i + 1) % 24]).length;
    expect(changes).toBe(2);
  });

  it('answer a quiet moment with the journey time of the window’s opening, reached in real seconds', () => {
    // Find a quiet real instant, then check the virtual clock is in the window once the wait is over.
    const quiet = Array.from({ length: 24 }, (_, i) => plus(i * 1_000)).find(
      (t) => !checkQuietHoursAtSpeed(t, 'America/New_York', DAY_WINDOW, SPEED).allowed,
    )!;
    const q = checkQuietHoursAtSpeed(quiet, 'America/New_York', DAY_WINDOW, SPEED);
    if (q.allowed) throw new Error('expected quiet hours');
    const realWaitMs = (q.retryAt.getTime() - quiet.getTime()) / SPEED;
    expect(realWaitMs).toBeGreaterThan(0);
    expect(realWaitMs).toBeLessThanOrEqual(11_000);
    const woken = new Date(quiet.getTime() + realWaitMs);
    expect(checkQuietHoursAtSpeed(woken, 'America/New_York', DAY_WINDOW, SPEED).allowed).toBe(true);
    expect(
      checkQuietHoursAtSpeed(new Date(woken.getTime() - 50), 'America/New_York', DAY_WINDOW, SPEED),
    ).toMatchObject({ allowed: false });
  });

  it('stay representable years later and at higher speed-ups (the virtual clock wraps every 400 years)', () => {
    const later = new Date('2036-06-01T12:00:00Z');
    for (const speed of [3600, 86_400, 1_000_000]) {
      const v = virtualInstant(later, speed);
      expect(Number.isFinite(v.getTime())).toBe(true);
      expect(() => checkQuietHoursAtSpeed(later, 'Asia/Tokyo', DAY_WINDOW, speed)).not.toThrow();
    }
  });

  it('are exactly today’s quiet hours at real time', () => {
    for (const hour of [3, 9, 20, 22]) {
      const t = new Date(Date.UTC(2026, 11, 7, hour));
      expect(checkQuietHoursAtSpeed(t, 'UTC', DAY_WINDOW, 1)).toEqual(checkQuietHours(t, 'UTC', DAY_WINDOW));
    }
  });
});
