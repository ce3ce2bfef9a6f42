import { describe, expect, it } from 'vitest';
import { defaultModelsConfig } from '../../../shared/config/models.js';
import type { ModelVersion } from '../../../shared/domain/models/registry.js';
import {
  band,
  buildScoringModels,
  cachedModelLoader,
  debounce,
  onProfilesUpdated,
  onProfileUpdated,
  type ScorerDeps,
  type Scores,
  type ScoresChanged,
  scoreBatchPage,
} from '../../../shared/domain/models/scoring.js';
import type { ScoringProfile } from '../../../shared/ports/models.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const config = defaultModelsConfig;

/** A propensity version scoring σ(log_views_7d − 2): no views → 0.12, many views → high. */
const propensityVersion: ModelVersion = {
  card: {
    model: 'propensity',
    version: 'p1',
    objective: '',
    inputs: ['log_views_7d'],
    trainingWindow: { from: '', to: '', holdoutFrom: '', holdoutTo: '' },
    owner: 't',
    metrics: {},
    fairness: null,
    knownRisks: [],
    gates: [],
    createdAt: '',
  },
  status: 'promoted',
  statusChangedAt: '',
  parameters: {
    kind: 'propensity',
    horizonDays: 30,
    logistic: {
      features: ['log_views_7d'],
      means: [0],
      scales: [1],
      weights: [1],
      intercept: -2,
      converged: true,
    },
  },
};

const clvVersion: ModelVersion = {
  ...propensityVersion,
  card: { ...propensityVersion.card, model: 'clv', version: 'c1' },
  parameters: {
    kind: 'clv',
    bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
    gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
    horizonMonths: 12,
    monthlyDiscountRate: 0.01,
  },
};

function harness(profiles: ScoringProfile[]) {
  const written: { profileId: string; scores: Scores; versions: object }[] = [];
  const emitted: ScoresChanged[] = [];
  const byId = new Map(profiles.map((p) => [p.profileId, p]));
  const deps: ScorerDeps = {
    models: async () => buildScoringModels({ clv: clvVersion, propensity: propensityVersion }),
    source: {
      get: async (id) => byId.get(id),
      page: async (limit, cursor) => {
        const start = cursor ? Number(cursor) : 0;
        const next = start + limit;
        return {
          profiles: profiles.slice(start, next),
          ...(next < profiles.length ? { cursor: String(next) } : {}),
        };
      },
    },
    sink: {
      writeScores: async (profileId, scores, versions) => {
        written.push({ profileId, scores, versions });
      },
    },
    events: { scoresChanged: async (events) => void emitted.push(...events) },
    now: () => NOW,
    config: { ...config, scoring: { ...config.scoring, batchSize: 2 } },
  };
  return { deps, written, emitted };
}

const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

describe('debounce', () => {
  const cfg = config.scoring;
  it('skips a profile scored less than the debounce window ago', () => {
    expect(debounce(minutesAgo(10), ['traits.city'], NOW, cfg)).toEqual({
      score: false,
      reason: 'debounced',
    });
  });
  it('scores it anyway when a purchase-related field (or a sub-field) changed', () => {
    expect(debounce(minutesAgo(10), ['orders.count'], NOW, cfg)).toEqual({
      score: true,
      reason: 'purchase_changed',
    });
    expect(debounce(minutesAgo(10), ['lastPurchaseAt'], NOW, cfg).score).toBe(true);
    expect(debounce(minutesAgo(10), ['ordersPlaced'], NOW, cfg).score).toBe(false);
  });
  it('scores a profile never scored or scored before the window', () => {
    expect(debounce(undefined, [], NOW, cfg)).toEqual({ score: true, reason: 'never_scored' });
    expect(debounce(minutesAgo(61), [], NOW, cfg)).toEqual({ score: true, reason: 'stale' });
  });
});

/** Three purchase days of a repeat buyer: the history both ProfileUpdated suites score. */
const BUYER_PURCHASES: ScoringProfile['purchases'] = {
  firstPurchaseDay: '2024-01-10',
  lastPurchaseDay: '2024-03-01',
  distinctPurchaseDays: 3,
  repeatSpend: 60,
};

describe('scoring a profile after ProfileUpdated', () => {
  const buyer: ScoringProfile = {
    profileId: 'p-1',
    purchases: BUYER_PURCHASES,
    features: { log_views_7d: 0 },
  };

  it('writes every score with its model versions and bands', async () => {
    const h = harness([buyer]);
    expect(await onProfileUpdated(h.deps, { profileId: 'p-1', changed: [] })).toEqual({
      outcome: 'scored',
      reason: 'never_scored',
      emitted: true,
    });
    const { scores, versions } = h.written[0]!;
    expect(versions).toEqual({ clv: 'c1', propensity: 'p1' });
    expect(scores.propensity30d).toBeCloseTo(1 / (1 + Math.exp(2)), 12);
    expect(scores.churnRisk).toBeCloseTo(1 - scores.probabilityAlive!, 12);
    expect(scores.expectedPurchases90d).toBeGreaterThan(0);
    expect(scores.clv12m).toBeGreaterThan(0);
    expect(scores.bands).toEqual({
      churnRisk: band(scores.churnRisk!, config.bands.churnRisk),
      clv12m: band(scores.clv12m!, config.bands.clv12m),
      propensity30d: 'low',
    });
  });

  it('emits ScoresChanged only when a band changes, with the scores and model versions', async () => {
    const first = harness([buyer]);
    await onProfileUpdated(first.deps, { profileId: 'p-1', changed: [] });
    const bands = first.written[0]!.scores.bands;

    const same = harness([{ ...buyer, lastScored: { at: minutesAgo(120), bands } }]);
    expect(await onProfileUpdated(same.deps, { profileId: 'p-1', changed: [] })).toMatchObject({
      outcome: 'scored',
      emitted: false,
    });
    expect(same.written).toHaveLength(1);
    expect(same.emitted).toEqual([]);

    const busy = harness([
      { ...buyer, features: { log_views_7d: 5 }, lastScored: { at: minutesAgo(120), bands } },
    ]);
    await onProfileUpdated(busy.deps, { profileId: 'p-1', changed: [] });
    expect(busy.emitted).toEqual([
      {
        profileId: 'p-1',
        changes: [{ score: 'propensity30d', from: 'low', to: 'high' }],
        scores: busy.written[0]!.scores,
        modelVersions: { clv: 'c1', propensity: 'p1' },
        scoredAt: NOW.toISOString(),
      },
    ]);
  });

  it('skips a debounced profile without writing, and reports unknown and unscorable profiles', async () => {
    const h = harness([{ ...buyer, lastScored: { at: minutesAgo(5), bands: {} } }, { profileId: 'p-2' }]);
    expect(await onProfileUpdated(h.deps, { profileId: 'p-1', changed: ['email'] })).toEqual({
      outcome: 'skipped',
      reason: 'debounced',
    });
    expect(await onProfileUpdated(h.deps, { profileId: 'nobody', changed: [] })).toEqual({
      outcome: 'skipped',
      reason: 'profile_not_found',
    });
    expect(await onProfileUpdated(h.deps, { profileId: 'p-2', changed: [] })).toEqual({
      outcome: 'skipped',
      reason: 'unscorable',
    });
    expect(h.written).toEqual([]);
  });

  it('scores only the models a profile has inputs for', async () => {
    const h = harness([{ profileId: 'browser', features: { log_views_7d: 1 } }]);
    await onProfileUpdated(h.deps, { profileId: 'browser', changed: [] });
    expect(h.written[0]!.versions).toEqual({ propensity: 'p1' });
    expect(h.written[0]!.scores.clv12m).toBeUndefined();
    expect(Object.keys(h.written[0]!.scores.bands)).toEqual(['propensity30d']);
  });
});

describe('the nightly batch', () => {
  it('scores page by page and returns a cursor until the last page', async () => {
    const profiles = Array.from({ length: 5 }, (_, i) => ({
      profileId: `p${i}`,
      features: { log_views_7d: i },
    }));
    const h = harness(profiles);
    const pages: (string | undefined)[] = [];
    let cursor: string | undefined;
    do {
      const page = await scoreBatchPage(h.deps, cursor);
      cursor = page.cursor;
      pages.push(cursor);
    } while (cursor);
    expect(pages).toEqual(['2', '4', undefined]);
    expect(h.written.map((w) => w.profileId)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });
});

describe('the model cache', () => {
  it('asks the registry again only after the cache time', async () => {
    let reads = 0;
    let now = NOW.getTime();
    const load = cachedModelLoader(
      {
        getPromoted: async (model) => {
          reads++;
          return model === 'propensity' ? propensityVersion : undefined;
        },
      },
      { ttlMs: 60_000, now: () => new Date(now) },
    );
    const first = await load();
    await load();
    expect(reads).toBe(2); // one per model
    expect(first.propensity?.version).toBe('p1');
    expect(first.clv).toBeUndefined();
    now += 60_000;
    await load();
    expect(reads).toBe(4);
  });
});

describe('scoring the profiles of a grouped ProfilesUpdated event', () => {
  const buyer = (profileId: string, lastScoredAt?: string): ScoringProfile => ({
    profileId,
    purchases: BUYER_PURCHASES,
    features: { log_views_7d: 0 },
    ...(lastScoredAt ? { lastScored: { at: lastScoredAt, bands: {} } } : {}),
  });

  it('scores each profile once, however many updates and repeated eventIds name it', async () => {
    const h = harness([buyer('p-1'), buyer('p-2')]);
    const summary = await onProfilesUpdated(h.deps, [
      { profileId: 'p-1', changed: ['lastSeen'], eventId: 'e1' },
      { profileId: 'p-2', changed: ['lastSeen'], eventId: 'e2' },
      { profileId: 'p-1', changed: ['traits.plan'], eventId: 'e3' },
      { profileId: 'p-1', changed: ['lastSeen'], eventId: 'e1' },
    ]);
    expect(summary).toEqual({
      profiles: 2,
      scored: 2,
      emitted: 2,
      skipped: { debounced: 0, profile_not_found: 0, unscorable: 0 },
    });
    expect(h.written.map((w) => w.profileId).sort()).toEqual(['p-1', 'p-2']);
  });

  it('debounces each profile on the union of its updates’ changed fields', async () => {
    const recent = minutesAgo(5);
    const h = harness([buyer('p-1', recent), buyer('p-2', recent), { profileId: 'p-3' }]);
    const summary = await onProfilesUpdated(h.deps, [
      { profileId: 'p-1', changed: ['lastSeen'], eventId: 'e1' },
      // A purchase in a second commit of p-2 in the same batch overrides the debounce.
      { profileId: 'p-2', changed: ['lastSeen'], eventId: 'e2' },
      { profileId: 'p-2', changed: ['orders'], eventId: 'e3' },
      { profileId: 'p-3', changed: [], eventId: 'e4' },
      { profileId: 'nobody', changed: [], eventId: 'e5' },
    ]);
    expect(summary).toEqual({
      profiles: 4,
      scored: 1,
      emitted: 1,
      skipped: { debounced: 1, profile_not_found: 1, unscorable: 1 },
    });
    expect(h.written.map((w) => w.profileId)).toEqual(['p-2']);
  });
});
