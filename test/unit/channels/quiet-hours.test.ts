import { describe, expect, it } from 'vitest';
import {
  checkQuietHours,
  weeklyWindow,
  zonedTimeToUtc,
} from '../../../shared/domain/channels/quiet-hours.js';

const SMS = weeklyWindow({ start: '08:00', end: '21:00' });

describe('quiet hours', () => {
  it.each([
    ['New York at 12:00', '2024-05-14T16:00:00Z', 'America/New_York'],
    ['Tokyo at 08:00 sharp', '2024-05-13T23:00:00Z', 'Asia/Tokyo'],
    ['Kolkata at 20:59', '2024-05-14T15:29:00Z', 'Asia/Kolkata'],
  ])('allows a send in %s', (_name, at, zone) => {
    expect(checkQuietHours(new Date(at), zone, SMS)).toEqual({ allowed: true });
  });

  it.each([
    [
      'Los Angeles at 21:00 → 08:00 the next morning',
      '2024-05-15T04:00:00Z',
      'America/Los_Angeles',
      '2024-05-15T15:00:00.000Z',
    ],
    [
      'Sydney at 03:00 → 08:00 the same morning',
      '2024-05-14T17:00:00Z',
      'Australia/Sydney',
      '2024-05-14T22:00:00.000Z',
    ],
    [
      'Kathmandu (+05:45) at 07:59 → 08:00',
      '2024-05-14T02:14:00Z',
      'Asia/Kathmandu',
      '2024-05-14T02:15:00.000Z',
    ],
    ['London at 23:30 → 08:00 BST', '2024-05-14T22:30:00Z', 'Europe/London', '2024-05-15T07:00:00.000Z'],
  ])('holds a send in %s', (_name, at, zone, retryAt) => {
    expect(checkQuietHours(new Date(at), zone, SMS)).toEqual({ allowed: false, retryAt: new Date(retryAt) });
  });

  it('opens at 08:00 local time across the spring-forward change (New York, 10 March 2024)', () => {
    // 23:00 EST on 9 March; the next 08:00 is EDT (UTC-4), not EST.
    const result = checkQuietHours(new Date('2024-03-10T04:00:00Z'), 'America/New_York', SMS);
    expect(result).toEqual({ allowed: false, retryAt: new Date('2024-03-10T12:00:00.000Z') });
  });

  it('opens at 08:00 local time across the fall-back change (Berlin, 27 October 2024)', () => {
    const result = checkQuietHours(new Date('2024-10-26T21:30:00Z'), 'Europe/Berlin', SMS);
    expect(result).toEqual({ allowed: false, retryAt: new Date('2024-10-27T07:00:00.000Z') });
  });

  it('resolves a wall time skipped by DST to just after the gap and a repeated one to its first occurrence', () => {
    expect(
      zonedTimeToUtc(
        { year: 2024, month: 3, day: 10, hour: 2, minute: 30 },
        'America/New_York',
      ).toISOString(),
    ).toBe('2024-03-10T07:30:00.000Z');
    expect(
      zonedTimeToUtc(
        { year: 2024, month: 11, day: 3, hour: 1, minute: 30 },
        'America/New_York',
      ).toISOString(),
    ).toBe('2024-11-03T05:30:00.000Z');
  });

  describe('US state rules', () => {
    it('ends marketing SMS at 20:00 in Florida', () => {
      const at = new Date('2024-05-15T00:30:00Z'); // 20:30 EDT
      expect(checkQuietHours(at, 'America/New_York', SMS)).toEqual({ allowed: true });
      expect(
        checkQuietHours(at, 'America/New_York', weeklyWindow({ start: '08:00', end: '21:00' }, 'FL')),
      ).toEqual({
        allowed: false,
        retryAt: new Date('2024-05-15T12:00:00.000Z'),
      });
    });

    it('starts at noon on Sundays in Texas and at 09:00 on weekdays', () => {
      const tx = weeklyWindow({ start: '08:00', end: '21:00' }, 'tx');
      const sunday10 = new Date('2024-05-12T15:00:00Z'); // 10:00 CDT, Sunday
      expect(checkQuietHours(sunday10, 'America/Chicago', tx)).toEqual({
        allowed: false,
        retryAt: new Date('2024-05-12T17:00:00.000Z'),
      });
      const monday0830 = new Date('2024-05-13T13:30:00Z');
      expect(checkQuietHours(monday0830, 'America/Chicago', tx)).toEqual({
        allowed: false,
        retryAt: new Date('2024-05-13T14:00:00.000Z'),
      });
    });

    it('leaves states without a stricter rule on the configured window', () => {
      const at = new Date('2024-05-15T00:30:00Z');
      expect(
        checkQuietHours(at, 'America/New_York', weeklyWindow({ start: '08:00', end: '21:00' }, 'NY')),
      ).toEqual({
        allowed: true,
      });
    });
  });
});
