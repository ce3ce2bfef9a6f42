import { describe, expect, it } from 'vitest';
import { defaultMeasurementConfig } from '../../../shared/config/measurement.js';
import {
  driftOf,
  type MonitorDeps,
  monitorModels,
  orderedWithin,
  realisedMetrics,
  type ScoreSnapshot,
} from '../../../shared/domain/measurement/model-monitor.js';
import { emptyState } from '../../../shared/domain/profiles/state.js';
import type { StoredProfile } from '../../../shared/ports/profiles.js';

const thresholds = defaultMeasurementConfig.models; // aucDrop 0.05, maxCalibrationError 0.1, horizon 30

function profile(id: string, score: number | undefined, orderDays: string[]): StoredProfile {
  const orders = Object.fromEntries(
    orderDays.map((day, i) => [`o${i}`, { v: { day, revenue: 10 }, t: Date.parse(day), m: `m${i}` }]),
  );
  return {
    profileId: id,
    version: 1,
    state: { ...emptyState(), orders } as StoredProfile['state'],
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...(score !== undefined
      ? {
          scores: {
            at: '2026-10-01T00:00:00Z',
            values: { propensity30d: score },
            bands: {},
            modelVersions: {},
          },
        }
      : {}),
  };
}

describe('realisedMetrics and driftOf', () => {
  it('computes AUC on realised outcomes (hand-checked) and needs both classes', () => {
    // Positives 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) → AUC 3/4.
    const m = realisedMetrics([0.9, 0.5, 0.4, 0.1], [true, false, true, false])!;
    expect(m.auc).toBeCloseTo(0.75, 12);
    expect(m.positives).toBe(2);
    expect(realisedMetrics([0.2, 0.3], [false, false])).toBeUndefined();
  });

  it('calls drift when realised AUC falls more than aucDrop below the card, or calibration breaks', () => {
    const base = { n: 100, positives: 10, precisionAtTopDecile: 0.3, recallAtTopDecile: 0.3 };
    expect(driftOf({ ...base, auc: 0.76, calibrationError: 0.02 }, { auc: 0.79 }, thresholds).drift).toBe(
      false,
    );
    const low = driftOf({ ...base, auc: 0.7, calibrationError: 0.02 }, { auc: 0.79 }, thresholds);
    expect(low.drift).toBe(true);
    expect(low.reasons[0]).toMatch(/AUC 0\.700 .* 0\.790/);
    expect(driftOf({ ...base, auc: 0.8, calibrationError: 0.2 }, { auc: 0.79 }, thresholds).drift).toBe(true);
  });

  it('counts an order within the horizon after the snapshot day only', () => {
    expect(orderedWithin(profile('p', 0.1, ['2026-10-15']), '2026-10-01', 30)).toBe(true);
    expect(orderedWithin(profile('p', 0.1, ['2026-10-01']), '2026-10-01', 30)).toBe(false);
    expect(orderedWithin(profile('p', 0.1, ['2026-11-05']), '2026-10-01', 30)).toBe(false);
  });
});

describe('monitorModels', () => {
  function deps(profiles: StoredProfile[], due: ScoreSnapshot | undefined, cardAuc: number) {
    const puts: ScoreSnapshot[] = [];
    const evaluations: unknown[] = [];
    const retrains: string[][] = [];
    const metrics: [string, number][] = [];
    const d: MonitorDeps = {
      profiles: {
        scanLiveProfiles: async ({ cursor }) =>
          cursor ? { profiles: profiles.slice(2) } : { profiles: profiles.slice(0, 2), cursor: 'next' },
      },
      snapshots: { get: async () => due, put: async (s) => void puts.push(s) },
      cards: { promotedMetrics: async () => ({ version: 'v1', metrics: { auc: cardAuc } }) },
      evaluations: { record: async (e) => void evaluations.push(e) },
      retrain: { request: async (_m, reasons) => void retrains.push([...reasons]) },
      metrics: { put: (name, value) => void metrics.push([name, value]) },
      config: { ...thresholds, snapshotSize: 3 },
      random: () => 0.5,
      now: () => new Date('2026-10-31T04:30:00Z'),
    };
    return { d, puts, evaluations, retrains, metrics };
  }

  const people = [
    profile('a', 0.9, ['2026-10-10']),
    profile('b', 0.8, []),
    profile('c', 0.2, ['2026-10-20']),
    profile('d', 0.1, []),
    profile('e', undefined, []),
  ];

  it('snapshots today’s scores (reservoir of snapshotSize, unscored profiles skipped) with the promoted version', async () => {
    const { d, puts } = deps(people, undefined, 0.8);
    const out = await monitorModels(d);
    expect(out.evaluated).toBeUndefined();
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ day: '2026-10-31', version: 'v1' });
    expect(puts[0]!.rows).toHaveLength(3);
  });

  it('judges the snapshot taken a horizon ago and requests retraining on drift', async () => {
    // Snapshot of 2026-10-01: a 0.9 (ordered), b 0.8 (no), c 0.2 (ordered), d 0.1 (no) → AUC 0.75.
    const due: ScoreSnapshot = {
      model: 'propensity',
      day: '2026-10-01',
      version: 'v1',
      rows: [
        ['a', 0.9],
        ['b', 0.8],
        ['c', 0.2],
        ['d', 0.1],
        ['erased', 0.5],
      ],
    };
    const drifting = deps(people, due, 0.9);
    const out = await monitorModels(drifting.d);
    expect(out.evaluated?.realised).toMatchObject({ n: 4, positives: 2, auc: 0.75 });
    expect(out.evaluated?.verdict.drift).toBe(true);
    expect(drifting.retrains).toHaveLength(1);
    expect(drifting.metrics).toContainEqual(['ModelDrift', 1]);
    expect(drifting.evaluations).toHaveLength(1);

    const steady = deps(people, due, 0.78);
    const ok = await monitorModels(steady.d);
    expect(ok.evaluated?.verdict.drift).toBe(ok.evaluated!.realised.calibrationError > 0.1);
    expect(steady.metrics).toContainEqual(['RealisedAuc', 0.75]);
  });
});
