import { describe, expect, it } from 'vitest';
import {
  disparateImpact,
  evaluateFairness,
  type FairnessRow,
  summariseScores,
  UNKNOWN_COHORT,
} from '../../../shared/domain/models/fairness.js';

/** `n` rows of one cohort, `selected` of them scoring above the threshold. */
const cohort = (trait: string, value: string | undefined, n: number, selected: number): FairnessRow[] =>
  Array.from({ length: n }, (_, i) => ({ score: i < selected ? 0.9 : 0.1, traits: { [trait]: value } }));

const options = { traits: ['country'], threshold: 0.5, minCohortSize: 50, minDisparateImpact: 0.8 };

describe('fairness by cohort', () => {
  it('reports each cohort’s selection rate and the min / max ratio', () => {
    const report = evaluateFairness(
      [...cohort('country', 'DE', 100, 50), ...cohort('country', 'FR', 200, 80)],
      options,
    );
    const t = report.traits[0]!;
    expect(t.cohorts.map((c) => [c.value, c.size, c.selectionRate])).toEqual([
      ['DE', 100, 0.5],
      ['FR', 200, 0.4],
    ]);
    expect(t.disparateImpact).toBeCloseTo(0.8, 12);
    expect(t.flagged).toBe(false);
    expect(report.flagged).toBe(false);
  });

  it('flags a trait whose ratio falls below the minimum', () => {
    const report = evaluateFairness(
      [...cohort('country', 'DE', 100, 50), ...cohort('country', 'FR', 100, 39)],
      options,
    );
    expect(report.traits[0]!.disparateImpact).toBeCloseTo(0.78, 12);
    expect(report.flagged).toBe(true);
    expect(report.worstDisparateImpact).toBeCloseTo(0.78, 12);
  });

  it('reports small cohorts but leaves them out of the ratio', () => {
    const report = evaluateFairness(
      [
        ...cohort('country', 'DE', 100, 50),
        ...cohort('country', 'LU', 10, 0),
        ...cohort('country', 'FR', 100, 45),
      ],
      options,
    );
    const lu = report.traits[0]!.cohorts.find((c) => c.value === 'LU')!;
    expect(lu).toMatchObject({ size: 10, judged: false, selectionRate: 0 });
    expect(report.traits[0]!.disparateImpact).toBeCloseTo(0.9, 12);
    expect(report.flagged).toBe(false);
  });

  it('groups profiles without the trait as unknown and judges nothing with one cohort', () => {
    const report = evaluateFairness(cohort('country', undefined, 100, 10), options);
    expect(report.traits[0]!.cohorts[0]!.value).toBe(UNKNOWN_COHORT);
    expect(report.traits[0]!.disparateImpact).toBeNull();
    expect(report.worstDisparateImpact).toBeNull();
    expect(report.flagged).toBe(false);
  });

  it('summarises scores with the mean and interpolated quartiles', () => {
    expect(summariseScores([4, 1, 3, 2, 5])).toEqual({ mean: 3, q1: 2, median: 3, q3: 4 });
    expect(summariseScores([0, 1])).toEqual({ mean: 0.5, q1: 0.25, median: 0.5, q3: 0.75 });
  });

  it('treats cohorts that are all unselected as equal', () => {
    expect(disparateImpact([0, 0, 0])).toBe(1);
    expect(disparateImpact([0.3])).toBeNull();
  });
});
