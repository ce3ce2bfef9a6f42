import { describe, expect, it } from 'vitest';
import {
  type EngagementEvent,
  fitSendTimeModel,
  localHourOfWeek,
  nextSendInstant,
} from '../../../shared/domain/models/sendTime.js';

describe('local hour-of-week', () => {
  it('maps the same 09:00 New York wall-clock time to one hour-of-week across the DST change', () => {
    // Monday 2024-03-04 09:00 EST = 14:00Z; Monday 2024-03-11 09:00 EDT = 13:00Z.
    const winter = Date.UTC(2024, 2, 4, 14);
    const summer = Date.UTC(2024, 2, 11, 13);
    expect(localHourOfWeek(winter, 'America/New_York')).toBe(9);
    expect(localHourOfWeek(summer, 'America/New_York')).toBe(9);
    // The same UTC hour is a different local hour after the change.
    expect(localHourOfWeek(Date.UTC(2024, 2, 11, 14), 'America/New_York')).toBe(10);
  });

  it('handles half-hour zones and the day boundary', () => {
    // Sunday 2024-06-02 20:00Z = Monday 01:30 in Kolkata.
    expect(localHourOfWeek(Date.UTC(2024, 5, 2, 20), 'Asia/Kolkata')).toBe(1);
  });

  it('finds the next UTC instant for a local hour, after the clocks go forward', () => {
    // From Saturday 2024-03-09 (EST), Monday 09:00 local falls on 2024-03-11 at 13:00Z (EDT).
    expect(nextSendInstant(9, 'America/New_York', Date.UTC(2024, 2, 9))).toBe(Date.UTC(2024, 2, 11, 13));
  });
});

describe('send-time optimisation', () => {
  // The crowd all behave alike: Tuesday evenings, mostly 18:00 UTC, sometimes 19:00 or 20:00.
  // Profile "busy" engages at Monday 07:00 UTC, often; profile "sparse" engaged once at Monday 07:00.
  const at = (day: number, hour: number) => Date.UTC(2024, 0, 1 + day, hour); // 2024-01-01 is a Monday
  const events: EngagementEvent[] = [];
  for (let p = 0; p < 200; p++) {
    for (let k = 0; k < 6; k++) {
      events.push({
        profileId: `crowd${p}`,
        type: 'open',
        at: at(7 * k + 1, [18, 18, 18, 19, 18, 20][(p + k) % 6]!),
      });
    }
  }
  for (let k = 0; k < 40; k++) events.push({ profileId: 'busy', type: 'click', at: at(7 * k, 7) });
  events.push({ profileId: 'sparse', type: 'open', at: at(0, 7) });
  const model = fitSendTimeModel(events, () => 'UTC');

  it('follows a profile with plenty of its own engagement', () => {
    const rec = model.recommend('busy');
    expect(rec.hourOfWeek).toBe(7);
    expect(rec.ownDataWeight).toBeGreaterThan(0.5);
  });

  it('shrinks a profile with a single open toward the population’s best hour', () => {
    const rec = model.recommend('sparse');
    expect(rec.hourOfWeek).toBe(24 + 18);
    expect(rec.ownDataWeight).toBeLessThan(0.5);
  });

  it('gives an unseen profile the population’s best hour', () => {
    expect(model.recommend('nobody')).toMatchObject({ hourOfWeek: 24 + 18, ownDataWeight: 0 });
  });

  it('trusts the population more when profiles resemble it than when each has its own habit', () => {
    // Same population shape, but now every crowd profile sticks to one hour of its own.
    const idiosyncratic: EngagementEvent[] = [];
    for (let p = 0; p < 200; p++) {
      const hour = [18, 18, 18, 19, 18, 20][p % 6]!;
      for (let k = 0; k < 6; k++)
        idiosyncratic.push({ profileId: `crowd${p}`, type: 'open', at: at(7 * k + 1, hour) });
    }
    const habitual = fitSendTimeModel(idiosyncratic, () => 'UTC');
    expect(model.priorStrength).toBeGreaterThan(10 * habitual.priorStrength);
  });

  it('returns the hour in the profile’s own time zone', () => {
    const tokyo = fitSendTimeModel(
      Array.from({ length: 30 }, (_, k) => ({ profileId: 't', type: 'open' as const, at: at(7 * k, 0) })),
      () => 'Asia/Tokyo',
    );
    // Monday 00:00 UTC is Monday 09:00 in Tokyo.
    expect(tokyo.recommend('t').hourOfWeek).toBe(9);
  });
});
