import { describe, expect, it } from 'vitest';
import { defaultModelsConfig, type ModelsConfig } from '../../../shared/config/models.js';
import { generateBehaviour } from '../../../shared/domain/models/behaviourSynthetic.js';
import { trainClv, trainModels, trainPropensity } from '../../../shared/domain/models/training.js';
import { behaviourTrainingData, InMemoryRegistry } from './registry-support.js';

// 1,200 synthetic profiles over 240 days from 2024-01-01; "now" is day 240.
const START = Date.UTC(2024, 0, 1);
const NOW = new Date(START + 240 * 86_400_000);
const events = generateBehaviour({ profiles: 1200, days: 240, seed: 11, start: START });
/** Cohort trait: a third of the profiles in each region, unrelated to behaviour. */
const region = (id: string) => ({ region: ['north', 'south', 'west'][Number(id.slice(1)) % 3] });

const config: ModelsConfig = {
  ...defaultModelsConfig,
  fairness: { cohortTraits: ['region'], minCohortSize: 50, minDisparateImpact: 0.8 },
};

let seq = 0;
const deps = (registry = new InMemoryRegistry()) => ({
  data: behaviourTrainingData(events, region),
  registry,
  now: () => NOW,
  randomHex: () => (seq++).toString(16).padStart(4, '0'),
});

describe('the trainer', () => {
  it('fits propensity on a time-based split and registers a card with metrics, fairness and risks', async () => {
    const registry = new InMemoryRegistry();
    const out = await trainPropensity(deps(registry), config);
    expect(out.status).not.toBe('skipped');
    if (out.status === 'skipped') return;
    const stored = (await registry.get('propensity', out.version))!;
    const card = stored.card;
    expect(card.trainingWindow).toEqual({
      from: '2024-06-29T00:00:00.000Z',
      to: '2024-07-29T00:00:00.000Z',
      holdoutFrom: '2024-07-29T00:00:00.000Z',
      holdoutTo: '2024-08-28T00:00:00.000Z',
    });
    expect(card.inputs).toHaveLength(9);
    expect(card.metrics.auc).toBeGreaterThan(0.7);
    expect(Object.keys(card.metrics)).toEqual(
      expect.arrayContaining(['auc', 'precisionAtTopDecile', 'calibrationError']),
    );
    expect(card.fairness?.traits[0]?.cohorts.map((c) => c.value)).toEqual(['north', 'south', 'west']);
    expect(card.knownRisks.length).toBeGreaterThan(0);
    expect(card.owner).toBe('feltfit');
    // On this seeded data every gate passes (AUC ≈ 0.75, ECE ≈ 0.03, ratio ≈ 0.85), so it is promoted.
    expect(card.gates.map((g) => [g.metric, g.passed])).toEqual([
      ['auc', true],
      ['calibrationError', true],
      ['disparateImpact', true],
    ]);
    expect(out).toMatchObject({ status: 'promoted' });
    expect(stored.status).toBe('promoted');
  });

  it('fits CLV, measures it on the most recent days and stores the evaluated parameters', async () => {
    const registry = new InMemoryRegistry();
    const out = await trainClv(deps(registry), { ...config, clv: { ...config.clv, holdoutDays: 60 } });
    if (out.status === 'skipped') throw new Error(out.detail);
    const stored = (await registry.get('clv', out.version))!;
    expect(stored.card.trainingWindow.to).toBe('2024-06-29');
    expect(stored.card.trainingWindow.holdoutTo).toBe('2024-08-28');
    expect(stored.card.metrics.holdoutActualPurchases).toBeGreaterThan(0);
    expect(stored.card.metrics.holdoutRelativeError).toBeCloseTo(
      Math.abs(stored.card.metrics.holdoutPredictedPurchases! - stored.card.metrics.holdoutActualPurchases!) /
        stored.card.metrics.holdoutActualPurchases!,
      12,
    );
    expect(stored.parameters.kind).toBe('clv');
    expect(stored.status).toBe(stored.card.gates.every((g) => g.passed) ? 'promoted' : 'candidate');
  });

  it('skips a model when there is too little data, without registering anything', async () => {
    const registry = new InMemoryRegistry();
    const few = generateBehaviour({ profiles: 15, days: 240, seed: 2, start: START });
    const out = await trainModels({ ...deps(registry), data: behaviourTrainingData(few) }, config);
    expect(out.map((o) => [o.model, o.status])).toEqual([
      ['clv', 'skipped'],
      ['propensity', 'skipped'],
    ]);
    expect(registry.versions.size).toBe(0);
  });

  it('keeps a version as a candidate when a configured gate is out of reach', async () => {
    const registry = new InMemoryRegistry();
    const strict = { ...config, propensity: { ...config.propensity, gates: [{ metric: 'auc', min: 0.99 }] } };
    const out = await trainModels(deps(registry), strict, 'propensity');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      model: 'propensity',
      status: 'candidate',
      failedGates: [{ metric: 'auc' }],
    });
    expect(await registry.getPromoted('propensity')).toBeUndefined();
  });
});
