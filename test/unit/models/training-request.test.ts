import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createTrainModelsHandler } from '../../../functions/train-models/app.js';
import { EventBridgeTrainingRequests } from '../../../shared/adapters/eventbridge/training-requests.js';
import { defaultModelsConfig } from '../../../shared/config/models.js';
import { InvalidRequestError } from '../../../shared/domain/errors.js';
import {
  buildTrainingRequest,
  type ModelTrainingRequestDetail,
  requestModelTraining,
  TRAINING_REQUEST_DETAIL_TYPE,
  TRAINING_REQUEST_SOURCE,
} from '../../../shared/domain/models/training-request.js';
import { silentLogger } from '../../support/logger.js';
import { behaviourTrainingData, InMemoryRegistry } from './registry-support.js';

const NOW = new Date('2026-01-07T10:00:00Z');
const context = { now: NOW, requestId: 'req-1' };

describe('a training request', () => {
  it('without a model asks for every model', () => {
    expect(buildTrainingRequest({}, context)).toEqual({ requestId: 'req-1', requestedAt: NOW.toISOString() });
    expect(buildTrainingRequest(undefined, context)).not.toHaveProperty('model');
  });

  it('names one model, and who asked', () => {
    expect(buildTrainingRequest({ model: 'clv' }, { ...context, requestedBy: 'cli' })).toEqual({
      model: 'clv',
      requestId: 'req-1',
      requestedAt: NOW.toISOString(),
      requestedBy: 'cli',
    });
  });

  it('refuses an unknown model or an unknown field, naming it', () => {
    for (const body of [{ model: 'churn' }, { model: 'clv', force: true }, 'clv']) {
      expect(() => buildTrainingRequest(body, context), JSON.stringify(body)).toThrow(InvalidRequestError);
    }
    try {
      buildTrainingRequest({ model: 'churn' }, context);
    } catch (err) {
      expect((err as InvalidRequestError).details.issues).toEqual([
        expect.objectContaining({ path: ['model'] }),
      ]);
    }
  });
});

describe('the admin use case requestModelTraining', () => {
  it('publishes one request and answers with it', async () => {
    const published: ModelTrainingRequestDetail[] = [];
    const out = await requestModelTraining(
      { requests: { publish: async (d) => void published.push(d) }, now: () => NOW, newId: () => 'req-9' },
      { model: 'propensity' },
      'admin',
    );
    expect(out).toEqual({ accepted: true, request: published[0] });
    expect(published).toEqual([
      { model: 'propensity', requestId: 'req-9', requestedAt: NOW.toISOString(), requestedBy: 'admin' },
    ]);
  });

  it('publishes nothing for a bad body', async () => {
    const published: unknown[] = [];
    await expect(
      requestModelTraining(
        { requests: { publish: async (d) => void published.push(d) }, now: () => NOW, newId: () => 'x' },
        { model: 'churn' },
      ),
    ).rejects.toThrow(InvalidRequestError);
    expect(published).toEqual([]);
  });
});

describe('training requests on EventBridge', () => {
  it('are one ModelTrainingRequested entry from feltfit.admin on the named bus', async () => {
    const eb = mockClient(EventBridgeClient);
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const detail = buildTrainingRequest({ model: 'clv' }, context);
    await new EventBridgeTrainingRequests({
      client: new EventBridgeClient({}),
      eventBusName: 'feltfit',
    }).publish(detail);
    expect(eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries).toEqual([
      {
        EventBusName: 'feltfit',
        Source: 'feltfit.admin',
        DetailType: 'ModelTrainingRequested',
        Detail: JSON.stringify(detail),
      },
    ]);
    eb.restore();
  });

  it('reach the trainer, which trains only the requested model', async () => {
    const handler = createTrainModelsHandler(
      {
        data: behaviourTrainingData([]),
        registry: new InMemoryRegistry(),
        now: () => NOW,
        randomHex: () => '0000',
      },
      defaultModelsConfig,
      silentLogger,
    );
    // As EventBridge delivers it to a Lambda target.
    const event = {
      version: '0',
      id: 'e-1',
      'detail-type': TRAINING_REQUEST_DETAIL_TYPE,
      source: TRAINING_REQUEST_SOURCE,
      detail: buildTrainingRequest({ model: 'propensity' }, context),
    };
    const out = await handler(event, {} as Context);
    expect(out).toMatchObject({ ok: true, results: [{ model: 'propensity', status: 'skipped' }] });
    expect(out.ok && out.results).toHaveLength(1);
  });
});
