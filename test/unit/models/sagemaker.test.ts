import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeScoreEvents } from '../../../functions/score-profiles/score-events.js';
import {
  ClvPredictionSchema,
  PropensityPrediction,
  sageMakerPredictor,
} from '../../../shared/adapters/sagemaker/predictor.js';
import type { FallbackReason } from '../../../shared/ports/models.js';

const sagemaker = mockClient(SageMakerRuntimeClient);
const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

/** Built-in model stand-in: 0.25 for every row. */
const builtIn = { predict: async (rows: readonly number[][]) => rows.map(() => 0.25) };

function predictor(timeoutMs = 200) {
  const reasons: FallbackReason[] = [];
  const p = sageMakerPredictor({
    client: new SageMakerRuntimeClient({ region: 'us-east-1' }),
    endpointName: 'propensity-endpoint',
    timeoutMs,
    prediction: PropensityPrediction,
    fallback: builtIn,
    onFallback: (reason) => reasons.push(reason),
  });
  return { p, reasons };
}

const rows = [
  [1, 2, 3],
  [4, 5, 6],
];

beforeEach(() => sagemaker.reset());

describe('SageMaker predictor', () => {
  it('sends the feature rows as JSON and uses the endpoint’s predictions', async () => {
    sagemaker.on(InvokeEndpointCommand).resolves({ Body: encode({ predictions: [0.9, 0.1] }) as never });
    const { p, reasons } = predictor();
    expect(await p.predict(rows)).toEqual([0.9, 0.1]);
    const input = sagemaker.commandCalls(InvokeEndpointCommand)[0]!.args[0].input;
    expect(input.EndpointName).toBe('propensity-endpoint');
    expect(input.ContentType).toBe('application/json');
    expect(input.Accept).toBe('application/json');
    expect(JSON.parse(new TextDecoder().decode(input.Body as Uint8Array))).toEqual(rows);
    expect(reasons).toEqual([]);
    expect(p.counts).toEqual({ remote: 1, timeout: 0, error: 0, malformed: 0 });
  });

  it('accepts a bare array reply', async () => {
    sagemaker.on(InvokeEndpointCommand).resolves({ Body: encode([0.3, 0.4]) as never });
    expect(await predictor().p.predict(rows)).toEqual([0.3, 0.4]);
  });

  it('falls back to the built-in model on an error and counts it', async () => {
    sagemaker.on(InvokeEndpointCommand).rejects(Object.assign(new Error('boom'), { name: 'ModelError' }));
    const { p, reasons } = predictor();
    expect(await p.predict(rows)).toEqual([0.25, 0.25]);
    expect(reasons).toEqual(['error']);
    expect(p.counts.error).toBe(1);
  });

  it('aborts a call past its time budget and falls back with reason timeout', async () => {
    // The endpoint never answers; the mocked send is wrapped so the abort signal rejects the call,
    // as the SDK's HTTP handler does.
    sagemaker.on(InvokeEndpointCommand).callsFake(() => new Promise(() => {}));
    const client = new SageMakerRuntimeClient({ region: 'us-east-1' });
    const reasons: FallbackReason[] = [];
    const p = sageMakerPredictor({
      client: {
        // Reject as soon as the predictor aborts, like the SDK does.
        send: ((command: InvokeEndpointCommand, options: { abortSignal: AbortSignal }) =>
          new Promise((resolve, reject) => {
            options.abortSignal.addEventListener('abort', () =>
              reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
            );
            client.send(command).then(resolve, () => {});
          })) as never,
      },
      endpointName: 'slow',
      timeoutMs: 20,
      prediction: PropensityPrediction,
      fallback: builtIn,
      onFallback: (reason) => reasons.push(reason),
    });
    expect(await p.predict(rows)).toEqual([0.25, 0.25]);
    expect(reasons).toEqual(['timeout']);
    expect(p.counts.timeout).toBe(1);
  });

  it.each([
    ['not JSON', 'oops'],
    ['the wrong shape', { predictions: ['high', 'low'] }],
    ['a probability out of range', { predictions: [1.5, 0.2] }],
    ['too few predictions', { predictions: [0.5] }],
  ])('falls back with reason malformed on a reply that is %s', async (_what, body) => {
    sagemaker.on(InvokeEndpointCommand).resolves({ Body: encode(body) as never });
    const { p, reasons } = predictor();
    expect(await p.predict(rows)).toEqual([0.25, 0.25]);
    expect(reasons).toEqual(['malformed']);
  });

  it('validates CLV predictions field by field', () => {
    expect(
      ClvPredictionSchema.safeParse({ probabilityAlive: 0.5, expectedPurchases90d: 1, clv12m: 10 }).success,
    ).toBe(true);
    expect(
      ClvPredictionSchema.safeParse({ probabilityAlive: 2, expectedPurchases90d: 1, clv12m: 10 }).success,
    ).toBe(false);
  });
});

describe('ScoresChanged on EventBridge', () => {
  const eventbridge = mockClient(EventBridgeClient);
  beforeEach(() => eventbridge.reset());

  const change = (i: number) => ({
    profileId: `p${i}`,
    changes: [{ score: 'churnRisk' as const, from: 'medium' as const, to: 'high' as const }],
    scores: { churnRisk: 0.8, bands: { churnRisk: 'high' as const } },
    modelVersions: { clv: 'v1' },
    scoredAt: '2025-01-01T00:00:00.000Z',
  });

  it('puts events on the feltfit bus, ten per call, with source and detail type', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
    const events = new EventBridgeScoreEvents({
      client: new EventBridgeClient({ region: 'us-east-1' }),
      busName: 'feltfit',
    });
    await events.scoresChanged(Array.from({ length: 12 }, (_, i) => change(i)));
    const calls = eventbridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 2]);
    const entry = calls[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({
      EventBusName: 'feltfit',
      Source: 'feltfit.intelligence',
      DetailType: 'ScoresChanged',
    });
    expect(JSON.parse(entry.Detail!)).toEqual(change(0));
  });

  it('retries failed entries once, then fails', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure' }] })
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const events = new EventBridgeScoreEvents({
      client: new EventBridgeClient({ region: 'us-east-1' }),
      busName: 'feltfit',
    });
    await expect(events.scoresChanged([change(0), change(1)])).rejects.toThrow(/rejected 1/);
    const calls = eventbridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(JSON.parse(calls[1]!.args[0].input.Entries![0]!.Detail!).profileId).toBe('p1');
  });
});
