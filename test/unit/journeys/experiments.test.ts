import { describe, expect, it } from 'vitest';
import {
  assign,
  assignArm,
  inGlobalControl,
  unitInterval,
} from '../../../shared/domain/experiments/assignment.js';
import { thompsonPick } from '../../../shared/domain/experiments/bandit.js';
import { seededRandom } from '../../../shared/domain/random.js';

const ids = Array.from({ length: 100_000 }, (_, i) => `profile-${i}`);

describe('experiment assignment', () => {
  const split = {
    salt: 'cart-recovery:split',
    holdoutShare: 0.1,
    variants: [
      { id: 'empathy', weight: 2 },
      { id: 'reminder', weight: 1 },
    ],
  };

  it('puts the same unit in the same arm every time', () => {
    for (const id of ids.slice(0, 500)) expect(assignArm(split, id)).toEqual(assignArm(split, id));
  });

  it('maps units into [0, 1)', () => {
    for (const id of ids.slice(0, 2000)) {
      const u = unitInterval('salt', id);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });

  it('splits 100,000 ids within 1% of the configured shares', () => {
    const counts: Record<string, number> = {};
    for (const id of ids) {
      const { arm } = assignArm(split, id);
      counts[arm] = (counts[arm] ?? 0) + 1;
    }
    expect(Math.abs(counts.holdout! / ids.length - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(counts.empathy! / ids.length - 0.6)).toBeLessThan(0.01);
    expect(Math.abs(counts.reminder! / ids.length - 0.3)).toBeLessThan(0.01);
  });

  it('holds out the configured global control share, independently of journey splits', () => {
    const control = { share: 0.05, salt: 'feltfit-global-control-v1' };
    const inControl = ids.filter((id) => inGlobalControl(control, id));
    expect(Math.abs(inControl.length / ids.length - 0.05)).toBeLessThan(0.01);
    // Among control members the journey split keeps its shares: the two draws are independent.
    const holdouts = inControl.filter((id) => assignArm(split, id).arm === 'holdout').length;
    expect(Math.abs(holdouts / inControl.length - 0.1)).toBeLessThan(0.02);
  });

  it('excludes control members from marketing journeys but not from non-marketing ones', () => {
    const control = { share: 0.05, salt: 'feltfit-global-control-v1' };
    const member = ids.find((id) => inGlobalControl(control, id))!;
    expect(assign(control, split, member).arm).toBe('control');
    expect(assign(control, split, member, { marketing: false }).arm).not.toBe('control');
  });

  it('re-randomises when the salt changes', () => {
    const other = { ...split, salt: 'cart-recovery:split:v2' };
    const moved = ids
      .slice(0, 2000)
      .filter((id) => assignArm(split, id).arm !== assignArm(other, id).arm).length;
    expect(moved).toBeGreaterThan(500);
  });
});

describe('Thompson sampling bandit', () => {
  it('converges on a clearly better variant: over 90% of late pulls go to the best arm', () => {
    const random = seededRandom(42);
    const rates: Record<string, number> = { a: 0.04, b: 0.1, c: 0.05 };
    const stats: Record<string, { exposures: number; conversions: number }> = {
      a: { exposures: 0, conversions: 0 },
      b: { exposures: 0, conversions: 0 },
      c: { exposures: 0, conversions: 0 },
    };
    const pulls = 6_000;
    let lateBest = 0;
    for (let t = 0; t < pulls; t++) {
      const { chosen } = thompsonPick(['a', 'b', 'c'], stats, random);
      stats[chosen]!.exposures++;
      if (random() < rates[chosen]!) stats[chosen]!.conversions++;
      if (t >= pulls - 1_000 && chosen === 'b') lateBest++;
    }
    expect(lateBest / 1_000).toBeGreaterThan(0.9);
  });

  it('explores arms it knows nothing about', () => {
    const random = seededRandom(7);
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add(thompsonPick(['x', 'y', 'z'], {}, random).chosen);
    expect(seen.size).toBe(3);
  });
});
