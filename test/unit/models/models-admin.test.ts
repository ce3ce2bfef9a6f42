/** The models routes: the inventory, model cards and "train now", over an in-memory registry and bus. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createModelsAdminHandler } from '../../../functions/models-admin/app.js';
import { defaultModelsConfig } from '../../../shared/config/models.js';
import { registerVersion, type TrainedVersion } from '../../../shared/domain/models/registry.js';
import type { ModelTrainingRequestDetail } from '../../../shared/domain/models/training-request.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent } from '../content/support.js';
import { InMemoryRegistry } from './registry-support.js';

function propensity(version: string, auc: number): TrainedVersion {
  return {
    card: {
      model: 'propensity',
      version,
      objective: 'P(purchase in 30 days)',
      inputs: ['log_recency_days', 'orders_90d'],
      trainingWindow: {
        from: '2025-01-01',
        to: '2025-03-01',
        holdoutFrom: '2025-03-02',
        holdoutTo: '2025-04-01',
      },
      owner: 'growth-team',
      metrics: { auc, calibrationError: 0.03, baseRate: 0.2, testRows: 400 },
      fairness: null,
      knownRisks: ['synthetic'],
      createdAt: `2025-04-0${version.slice(-1)}T03:00:00.000Z`,
    },
    parameters: {
      kind: 'propensity',
      horizonDays: 30,
      logistic: { features: ['x'], means: [0], scales: [1], weights: [1], intercept: 0, converged: true },
    },
  };
}

async function setup() {
  const registry = new InMemoryRegistry();
  const now = () => new Date('2025-04-05T10:00:00Z');
  await registerVersion({ registry, now }, propensity('v1', 0.8), defaultModelsConfig.propensity.gates);
  // Fails the AUC gate: stays a candidate.
  await registerVersion({ registry, now }, propensity('v2', 0.5), defaultModelsConfig.propensity.gates);
  const published: ModelTrainingRequestDetail[] = [];
  const handler = createModelsAdminHandler(
    {
      registry,
      training: { requests: { publish: async (d) => void published.push(d) }, now, newId: () => 'req-1' },
    },
    silentLogger,
  );
  const call = async (event: APIGatewayProxyEventV2) => {
    const res = (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2;
    return { status: res.statusCode, body: JSON.parse(String(res.body ?? 'null')) };
  };
  return { call, published };
}

const asUser = (
  event: APIGatewayProxyEventV2,
  username: string,
  groups: string[],
): APIGatewayProxyEventV2 => ({
  ...event,
  rawPath: `/api${event.rawPath}`,
  requestContext: {
    ...event.requestContext,
    authorizer: { jwt: { claims: { 'cognito:username': username, 'cognito:groups': groups }, scopes: [] } },
  } as APIGatewayProxyEventV2['requestContext'],
});

describe('the model inventory', () => {
  it('lists every model, its promoted version and its versions newest first, with or without versions', async () => {
    const { call } = await setup();
    const res = await call(apiEvent('GET', '/admin/models'));
    expect(res.status).toBe(200);
    const byModel = Object.fromEntries(res.body.models.map((m: { model: string }) => [m.model, m]));
    expect(byModel.propensity).toMatchObject({
      promoted: { version: 'v1', status: 'promoted' },
      versions: [
        { version: 'v2', status: 'candidate', gatesPassed: false },
        { version: 'v1', status: 'promoted' },
      ],
      headline: ['auc', 'calibrationError', 'testRows'],
    });
    expect(byModel.clv).toMatchObject({ versions: [] });
    expect(byModel.clv.promoted).toBeUndefined();
  });
});

describe('a model card', () => {
  it('is the promoted version’s, with its calibration figures and the version history', async () => {
    const { call } = await setup();
    const res = await call(apiEvent('GET', '/admin/models/propensity'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      model: 'propensity',
      status: 'promoted',
      card: {
        version: 'v1',
        inputs: ['log_recency_days', 'orders_90d'],
        trainingWindow: { from: '2025-01-01' },
      },
      calibration: [
        { metric: 'calibrationError', value: 0.03 },
        { metric: 'baseRate', value: 0.2 },
      ],
    });
    expect(res.body.versions.map((v: { version: string }) => v.version)).toEqual(['v2', 'v1']);
  });

  it('is a named version’s with ?version=, gates and all', async () => {
    const { call } = await setup();
    const res = await call(apiEvent('GET', '/admin/models/propensity', { query: { version: 'v2' } }));
    expect(res.body).toMatchObject({ status: 'candidate', card: { version: 'v2' } });
    expect(res.body.card.gates.find((g: { metric: string }) => g.metric === 'auc')).toMatchObject({
      passed: false,
    });
  });

  it.each([
    ['an unknown model', '/admin/models/nope', {}, 400, 'invalid_model'],
    ['a model without versions', '/admin/models/clv', {}, 404, 'model_version_not_found'],
    ['an unknown version', '/admin/models/propensity', { version: 'v9' }, 404, 'model_version_not_found'],
  ])('answers %s with a 4xx and its code', async (_name, path, query, status, code) => {
    const { call } = await setup();
    const res = await call(apiEvent('GET', path, { query }));
    expect(res).toMatchObject({ status, body: { error: { code } } });
  });
});

describe('train now', () => {
  it('publishes one training request naming who asked and answers 202 with it', async () => {
    const { call, published } = await setup();
    const res = await call(
      asUser(apiEvent('POST', '/admin/models/train', { body: { model: 'clv' } }), 'mark', ['marketer']),
    );
    expect(res).toMatchObject({
      status: 202,
      body: { accepted: true, request: { model: 'clv', requestId: 'req-1', requestedBy: 'mark' } },
    });
    expect(published).toEqual([res.body.request]);
  });

  it('trains every model for an empty body', async () => {
    const { call, published } = await setup();
    const res = await call(apiEvent('POST', '/admin/models/train'));
    expect(res.status).toBe(202);
    expect(published[0]!.model).toBeUndefined();
  });

  it('refuses a viewer and a bad body, publishing nothing', async () => {
    const { call, published } = await setup();
    const viewer = await call(
      asUser(apiEvent('POST', '/admin/models/train', { body: {} }), 'vera', ['viewer']),
    );
    expect(viewer).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const bad = await call(apiEvent('POST', '/admin/models/train', { body: { model: 'gpt' } }));
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(bad.body.error.issues[0].path).toEqual(['model']);
    expect(published).toEqual([]);
  });
});
