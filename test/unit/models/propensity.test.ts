import { describe, expect, it } from 'vitest';
import { generateBehaviour } from '../../../shared/domain/models/behaviourSynthetic.js';
import {
  expectedCalibrationError,
  precisionRecallAtTop,
  rocAuc,
} from '../../../shared/domain/models/metrics.js';
import {
  type BehaviourEvent,
  propensityFeatures,
  runPropensityExperiment,
} from '../../../shared/domain/models/propensity.js';

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);

describe('classification metrics', () => {
  it('counts tied scores as half a correct ordering in the AUC', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([1, 2, 2, 3], [0, 0, 1, 1])).toBeCloseTo(0.875, 12);
  });

  it('takes exactly the top decile for precision and recall', () => {
    const scores = Array.from({ length: 100 }, (_, i) => i);
    const labels = scores.map((s) => s >= 95 || s === 3);
    const top = precisionRecallAtTop(scores, labels, 0.1);
    expect(top.selected).toBe(10);
    expect(top.precision).toBeCloseTo(0.5, 12);
    expect(top.recall).toBeCloseTo(5 / 6, 12);
  });

  it('gives a perfectly calibrated predictor an expected calibration error of zero', () => {
    expect(expectedCalibrationError([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0])).toBeCloseTo(0, 12);
    expect(expectedCalibrationError([0.9, 0.9], [0, 0])).toBeCloseTo(0.9, 12);
  });
});

describe('purchase propensity', () => {
  it('computes features only from events before the cutoff', () => {
    const cutoff = START + 30 * DAY;
    const events: BehaviourEvent[] = [
      { profileId: 'p', type: 'purchase', at: START + 20 * DAY, value: 50 },
      { profileId: 'p', type: 'view', at: START + 27 * DAY },
      { profileId: 'p', type: 'add_to_cart', at: START + 28 * DAY, value: 19 },
      { profileId: 'p', type: 'ticket_opened', at: START + 29 * DAY },
      { profileId: 'p', type: 'purchase', at: cutoff + DAY, value: 99 },
    ];
    const f = propensityFeatures(events, cutoff);
    expect(f[0]).toBeCloseTo(Math.log1p(10), 12); // 10 days since the last purchase, not −1
    expect(f[1]).toBeCloseTo(Math.log1p(1), 12);
    expect(f[3]).toBeCloseTo(Math.log1p(19), 12); // open cart value
    expect(f[5]).toBeCloseTo(Math.log1p(1), 12); // one view in the last 7 days
    expect(f[7]).toBe(1); // one open ticket
  });

  it('beats a recency-only baseline on a later, held-out 30-day window', () => {
    const events = generateBehaviour({ profiles: 2500, days: 240, seed: 5, start: START });
    const result = runPropensityExperiment(events, START + 180 * DAY, START + 210 * DAY, 30);
    const { test, recencyBaseline } = result;
    console.log(
      `propensity test AUC ${test.auc.toFixed(3)} vs recency-only ${recencyBaseline.auc.toFixed(3)}; ` +
        `precision@10% ${test.precisionAtTopDecile.toFixed(3)}, recall@10% ${test.recallAtTopDecile.toFixed(3)}, ` +
        `ECE ${test.expectedCalibrationError.toFixed(3)}, base rate ${test.baseRate.toFixed(3)}, n ${test.n}`,
    );
    expect(result.model.converged).toBe(true);
    expect(test.auc).toBeGreaterThan(recencyBaseline.auc + 0.03);
    expect(test.precisionAtTopDecile).toBeGreaterThan(recencyBaseline.precisionAtTopDecile);
    expect(test.expectedCalibrationError).toBeLessThan(0.05);
  });

  it('refuses a test cutoff whose label window overlaps the training labels', () => {
    expect(() => runPropensityExperiment([], START + 180 * DAY, START + 200 * DAY, 30)).toThrow(/overlap/);
  });
});
