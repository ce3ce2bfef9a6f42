import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createScoreProfilesHandler } from '../../../functions/score-profiles/app.js';
import { createTrainModelsHandler } from '../../../functions/train-models/app.js';
import { defaultModelsConfig } from '../../../shared/config/models.js';
import { silentLogger } from '../../support/logger.js';
import { behaviourTrainingData, InMemoryRegistry } from './registry-support.js';

const context = {} as Context;

function scorer() {
  const written: string[] = [];
  const handler = createScoreProfilesHandler(
    {
      models: async () => ({
        propensity: {
          version: 'p1',
          features: ['f'],
          predictor: { predict: async (rows) => rows.map(() => 0.6) },
        },
      }),
      source: {
        get: async (id) => (id === 'p1' ? { profileId: 'p1', features: { f: 1 } } : undefined),
        page: async () => ({ profiles: [{ profileId: 'p1', features: { f: 1 } }] }),
      },
      sink: { writeScores: async (id) => void written.push(id) },
      events: { scoresChanged: async () => {} },
      now: () => new Date('2025-01-01T00:00:00Z'),
      config: defaultModelsConfig,
    },
    silentLogger,
  );
  return { handler, written };
}

describe('score-profiles handler', () => {
  it('scores the profile named by a ProfileUpdated event', async () => {
    const { handler, written } = scorer();
    const out = await handler(
      {
        source: 'feltfit.profiles',
        'detail-type': 'ProfileUpdated',
        detail: { profileId: 'p1', changed: ['orders'] },
      },
      context,
    );
    expect(out).toEqual({
      ok: true,
      mode: 'event',
      outcome: 'scored',
      reason: 'purchase_changed',
      emitted: true,
    });
    expect(written).toEqual(['p1']);
  });

  it('scores the profiles of a grouped ProfilesUpdated event', async () => {
    const { handler, written } = scorer();
    const out = await handler(
      {
        source: 'feltfit.profiles',
        'detail-type': 'ProfilesUpdated',
        detail: {
          profiles: [
            { profileId: 'p1', changed: ['orders'], eventId: 'e1' },
            { profileId: 'p1', changed: ['lastSeen'], eventId: 'e2' },
            { profileId: 'gone', changed: [], eventId: 'e3' },
          ],
        },
      },
      context,
    );
    expect(out).toEqual({
      ok: true,
      mode: 'events',
      profiles: 2,
      scored: 1,
      emitted: 1,
      skipped: { debounced: 0, profile_not_found: 1, unscorable: 0 },
    });
    expect(written).toEqual(['p1']);
  });

  it('answers a batch page with done when there is no next cursor', async () => {
    const { handler } = scorer();
    expect(await handler({ mode: 'batch' }, context)).toEqual({
      ok: true,
      mode: 'batch',
      scored: 1,
      emitted: 1,
      unscorable: 0,
      done: true,
    });
  });

  it.each([
    [{ mode: 'nightly' }],
    [{ 'detail-type': 'ProfileUpdated', detail: {} }],
    [{ 'detail-type': 'ProfilesUpdated', detail: { profiles: [] } }],
    [null],
    ['x'],
  ])('answers %j with invalid_request instead of throwing', async (event) => {
    const { handler, written } = scorer();
    expect(await handler(event, context)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(written).toEqual([]);
  });
});

describe('train-models handler', () => {
  const deps = {
    data: behaviourTrainingData([]),
    registry: new InMemoryRegistry(),
    now: () => new Date('2025-01-01T00:00:00Z'),
    randomHex: () => '0000',
  };

  it('trains only the requested model', async () => {
    const handler = createTrainModelsHandler(deps, defaultModelsConfig, silentLogger);
    const out = await handler({ model: 'propensity' }, context);
    expect(out).toMatchObject({ ok: true, results: [{ model: 'propensity', status: 'skipped' }] });
  });

  it('trains both models for a scheduled event', async () => {
    const handler = createTrainModelsHandler(deps, defaultModelsConfig, silentLogger);
    const out = await handler({ 'detail-type': 'Scheduled Event', source: 'aws.scheduler' }, context);
    expect(out.ok && out.results.map((r) => r.model)).toEqual(['clv', 'propensity']);
  });

  it('answers an unknown model with invalid_request', async () => {
    const handler = createTrainModelsHandler(deps, defaultModelsConfig, silentLogger);
    expect(await handler({ model: 'churn' }, context)).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
  });
});
