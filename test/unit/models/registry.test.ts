import { describe, expect, it } from 'vitest';
import { defaultModelsConfig } from '../../../shared/config/models.js';
import { evaluateFairness } from '../../../shared/domain/models/fairness.js';
import {
  evaluateGates,
  newVersionId,
  promoteVersion,
  registerVersion,
  type TrainedVersion,
} from '../../../shared/domain/models/registry.js';
import { InMemoryRegistry } from './registry-support.js';

const propensityGates = defaultModelsConfig.propensity.gates;

function trained(
  version: string,
  metrics: Record<string, number>,
  fairness = null as TrainedVersion['card']['fairness'],
): TrainedVersion {
  return {
    card: {
      model: 'propensity',
      version,
      objective: 'P(purchase in 30 days)',
      inputs: ['log_recency_days'],
      trainingWindow: { from: 'a', to: 'b', holdoutFrom: 'b', holdoutTo: 'c' },
      owner: 'growth-team',
      metrics,
      fairness,
      knownRisks: ['synthetic'],
      createdAt: '2025-01-05T03:00:00.000Z',
    },
    parameters: {
      kind: 'propensity',
      horizonDays: 30,
      logistic: {
        features: ['log_recency_days'],
        means: [0],
        scales: [1],
        weights: [-1],
        intercept: 0,
        converged: true,
      },
    },
  };
}

const deps = (registry: InMemoryRegistry) => ({ registry, now: () => new Date('2025-01-05T03:00:00Z') });

describe('promotion gates', () => {
  it('passes a version whose metrics meet every gate and records each result on the card', async () => {
    const registry = new InMemoryRegistry();
    const out = await registerVersion(
      deps(registry),
      trained('v1', { auc: 0.7, calibrationError: 0.03 }),
      propensityGates,
    );
    expect(out).toEqual({ status: 'promoted', version: 'v1' });
    const stored = await registry.get('propensity', 'v1');
    expect(stored?.status).toBe('promoted');
    expect(stored?.card.gates).toEqual([
      { metric: 'auc', min: 0.65, value: 0.7, passed: true },
      { metric: 'calibrationError', max: 0.05, value: 0.03, passed: true },
    ]);
  });

  it('keeps a version that fails a gate as a candidate and leaves the promoted one in place', async () => {
    const registry = new InMemoryRegistry();
    await registerVersion(
      deps(registry),
      trained('v1', { auc: 0.7, calibrationError: 0.03 }),
      propensityGates,
    );
    const out = await registerVersion(
      deps(registry),
      trained('v2', { auc: 0.6, calibrationError: 0.03 }),
      propensityGates,
    );
    expect(out).toMatchObject({
      status: 'candidate',
      failedGates: [{ metric: 'auc', value: 0.6, passed: false }],
    });
    expect((await registry.get('propensity', 'v2'))?.status).toBe('candidate');
    expect((await registry.getPromoted('propensity'))?.card.version).toBe('v1');
  });

  it('retires the previous version when a better one is promoted', async () => {
    const registry = new InMemoryRegistry();
    await registerVersion(
      deps(registry),
      trained('v1', { auc: 0.7, calibrationError: 0.03 }),
      propensityGates,
    );
    const out = await registerVersion(
      deps(registry),
      trained('v2', { auc: 0.72, calibrationError: 0.02 }),
      propensityGates,
    );
    expect(out).toEqual({ status: 'promoted', version: 'v2', previous: 'v1' });
    expect((await registry.get('propensity', 'v1'))?.status).toBe('retired');
  });

  it('fails a gate whose metric is missing or not a number', () => {
    const results = evaluateGates({ auc: Number.NaN }, propensityGates, null);
    expect(results.map((g) => [g.metric, g.value, g.passed])).toEqual([
      ['auc', null, false],
      ['calibrationError', null, false],
    ]);
  });

  it('does not promote a version whose fairness is flagged, whatever its accuracy', async () => {
    const rows = [
      ...Array.from({ length: 100 }, (_, i) => ({ score: i < 50 ? 0.9 : 0.1, traits: { country: 'DE' } })),
      ...Array.from({ length: 100 }, (_, i) => ({ score: i < 20 ? 0.9 : 0.1, traits: { country: 'FR' } })),
    ];
    const fairness = evaluateFairness(rows, {
      traits: ['country'],
      threshold: 0.5,
      minCohortSize: 50,
      minDisparateImpact: 0.8,
    });
    const registry = new InMemoryRegistry();
    const out = await registerVersion(
      deps(registry),
      trained('v1', { auc: 0.9, calibrationError: 0.01 }, fairness),
      propensityGates,
    );
    expect(out).toMatchObject({
      status: 'candidate',
      failedGates: [{ metric: 'disparateImpact', min: 0.8, value: 0.4, passed: false }],
    });
    expect(await registry.getPromoted('propensity')).toBeUndefined();
  });

  it('refuses to promote a candidate that failed its gates, or one that is not a candidate', async () => {
    const registry = new InMemoryRegistry();
    await registerVersion(
      deps(registry),
      trained('v1', { auc: 0.5, calibrationError: 0.03 }),
      propensityGates,
    );
    const at = new Date();
    expect(await promoteVersion(registry, 'propensity', 'v1', at)).toMatchObject({ outcome: 'gates_failed' });
    await registerVersion(
      deps(registry),
      trained('v2', { auc: 0.7, calibrationError: 0.03 }),
      propensityGates,
    );
    expect(await promoteVersion(registry, 'propensity', 'v2', at)).toEqual({
      outcome: 'not_candidate',
      status: 'promoted',
    });
    expect(await promoteVersion(registry, 'propensity', 'nope', at)).toEqual({ outcome: 'not_found' });
  });

  it('makes version ids that sort by creation time', () => {
    const a = newVersionId(new Date('2025-01-05T03:00:00.123Z'), () => 'ffff');
    const b = newVersionId(new Date('2025-01-12T03:00:00Z'), () => '0000');
    expect(a).toBe('20250105T030000Z-ffff');
    expect(a < b).toBe(true);
  });
});
