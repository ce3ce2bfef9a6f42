import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import {
  type AsyncClock,
  type FailureRecord,
  InvalidQueueReferenceError,
  LocalAsyncInvoker,
  LocalLambdaApi,
  LocalQueueStore,
} from '../../../infra/local/async-invoke.js';
import { LocalEventBus } from '../../../infra/local/event-bus.js';
import { LambdaInvocationError, type LocalFunction } from '../../../infra/local/lambda.js';
import { bindPassiveResources, type CfnTemplate, Resolver } from '../../../infra/local/template.js';

const template = (config: Record<string, unknown> | undefined): CfnTemplate => ({
  Resources: {
    Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
    Failures: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'feltfit-failed-fn' } },
    ...(config
      ? {
          FnInvokeConfig: {
            Type: 'AWS::Lambda::EventInvokeConfig',
            Properties: {
              FunctionName: { Ref: 'Fn' },
              Qualifier: '$LATEST',
              DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } } },
              ...config,
            },
          },
        }
      : {}),
  },
});

function setup(config: Record<string, unknown> | undefined) {
  const resolver = new Resolver(template(config));
  bindPassiveResources(resolver);
  const queues = new LocalQueueStore(join(mkdtempSync(join(tmpdir(), 'feltfit-queues-')), 'queues'));
  const sleeps: number[] = [];
  let now = 1_000_000;
  const clock: AsyncClock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  // As in the runtime, functions are bound after the invoker is made.
  const invoker = new LocalAsyncInvoker(resolver, queues, 1, clock);
  resolver.bind('Fn', { ref: 'Fn', attrs: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:Fn' } });
  return {
    invoker,
    queues,
    sleeps,
    advance: (ms: number) => (now += ms),
  };
}

/** A function whose handler fails its first `failures` invocations, then answers `ok`. */
function flaky(failures: number, errorType = 'Error') {
  const calls: unknown[] = [];
  const fn = {
    logicalId: 'Fn',
    functionName: 'fn',
    invoke: async (event: unknown) => {
      calls.push(event);
      if (calls.length <= failures) throw new LambdaInvocationError('Fn', errorType, 'the store said no');
      return 'ok';
    },
  } as unknown as LocalFunction;
  return { fn, calls };
}

describe('asynchronous invocations, as the EventInvokeConfig says', () => {
  it('retries a failing handler MaximumRetryAttempts times with growing waits, then succeeds without a record', async () => {
    const { invoker, queues, sleeps } = setup({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    const { fn, calls } = flaky(2);
    await invoker.invoke(fn, { id: 'e1' });
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
    expect(await queues.messages('feltfit-failed-fn')).toEqual([]);
    expect(invoker.stats).toMatchObject({ retried: 2, deadLettered: 0 });
  });

  it('sends the invocation record to the on-failure queue once the retries are exhausted', async () => {
    const { invoker, queues } = setup({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600 });
    const { fn, calls } = flaky(10);
    await invoker.invoke(fn, { id: 'e2', detail: { profileId: 'p-1' } });
    expect(calls).toHaveLength(2);
    const [message, ...more] = await queues.messages('feltfit-failed-fn');
    expect(more).toEqual([]);
    const record = JSON.parse(message!.body) as FailureRecord;
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Fn:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
      },
      requestPayload: { id: 'e2', detail: { profileId: 'p-1' } },
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'the store said no' },
    });
    expect(Date.parse(record.timestamp)).not.toBeNaN();
  });

  it('gives up with EventAgeExceeded when the event grew older than MaximumEventAgeInSeconds', async () => {
    const { invoker, queues } = setup({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 1 });
    const { fn, calls } = flaky(10);
    await invoker.invoke(fn, {});
    // The first retry waits 1 s, after which the 1 s age has not passed; the second waits 2 s more.
    expect(calls).toHaveLength(2);
    const [message] = await queues.messages('feltfit-failed-fn');
    expect(JSON.parse(message!.body).requestContext.condition).toBe('EventAgeExceeded');
  });

  it('waits out a full local queue (throttling) without counting it as an attempt', async () => {
    const { invoker, queues } = setup({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 });
    const { fn, calls } = flaky(3, 'TooManyRequestsException');
    await invoker.invoke(fn, {});
    expect(calls).toHaveLength(4);
    expect(await queues.messages('feltfit-failed-fn')).toEqual([]);
  });

  it('leaves a function without an EventInvokeConfig to its caller: one attempt, the error rejects', async () => {
    const { invoker } = setup(undefined);
    const { fn, calls } = flaky(1);
    await expect(invoker.invoke(fn, {})).rejects.toThrow(LambdaInvocationError);
    expect(calls).toHaveLength(1);
  });
});

describe('the local queue store', () => {
  it('keeps messages across instances (on disk), counts and deletes them', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'feltfit-queues-')), 'queues');
    const first = new LocalQueueStore(dir);
    const id = await first.send('feltfit-failed-x', '{"a":1}', { TARGET_ARN: 'arn:t' });
    await first.send('feltfit-failed-x', '{"a":2}');
    const second = new LocalQueueStore(dir);
    expect(await second.queues()).toEqual([{ name: 'feltfit-failed-x', count: 2 }]);
    expect(await second.get('feltfit-failed-x', id)).toMatchObject({
      body: '{"a":1}',
      attributes: { TARGET_ARN: 'arn:t' },
    });
    expect(await second.delete('feltfit-failed-x', id)).toBe(true);
    expect(await second.delete('feltfit-failed-x', id)).toBe(false);
    expect(await second.queues()).toEqual([{ name: 'feltfit-failed-x', count: 1 }]);
  });

  it('refuses a queue name or message id that would leave its folder', async () => {
    const store = new LocalQueueStore(mkdtempSync(join(tmpdir(), 'feltfit-queues-')));
    await expect(store.get('../secrets', 'x')).rejects.toThrow(InvalidQueueReferenceError);
    await expect(store.delete('q', '../../credentials')).rejects.toThrow(InvalidQueueReferenceError);
  });
});

describe('the local Lambda Invoke endpoint', () => {
  it('answers the AWS SDK: the result, or a function error as Lambda reports it', async () => {
    const { invoker } = setup({ MaximumRetryAttempts: 0 });
    const { fn } = flaky(1);
    const api = new LocalLambdaApi(() => new Map([['Fn', fn]]), invoker);
    const endpoint = await api.listen();
    const client = new LambdaClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const payload = new TextEncoder().encode('{"x":1}');
      const failed = await client.send(
        new InvokeCommand({
          FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:Fn:$LATEST',
          Payload: payload,
        }),
      );
      expect(failed.FunctionError).toBe('Unhandled');
      expect(JSON.parse(new TextDecoder().decode(failed.Payload))).toEqual({
        errorType: 'Error',
        errorMessage: 'the store said no',
      });
      const ok = await client.send(new InvokeCommand({ FunctionName: 'fn', Payload: payload }));
      expect(ok.FunctionError).toBeUndefined();
      expect(JSON.parse(new TextDecoder().decode(ok.Payload))).toBe('ok');
      await expect(
        client.send(new InvokeCommand({ FunctionName: 'nope', Payload: payload })),
      ).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    } finally {
      client.destroy();
      await api.close();
    }
  });
});

describe('the local bus and a rule target’s dead-letter queue', () => {
  it('puts an event it could not deliver in the target’s DLQ with EventBridge’s attributes', async () => {
    const resolver = new Resolver({
      Resources: {
        Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'feltfit' } },
        Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'feltfit-failed-journey-rules' } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
        Rule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            EventBusName: { Ref: 'Bus' },
            EventPattern: { source: ['feltfit.profiles'] },
            Targets: [
              {
                Id: 'Target0',
                Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] },
                DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } },
              },
            ],
          },
        },
      },
    });
    bindPassiveResources(resolver);
    resolver.bind('Fn', { ref: 'Fn', attrs: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:Fn' } });
    const dir = mkdtempSync(join(tmpdir(), 'feltfit-bus-'));
    const queues = new LocalQueueStore(join(dir, 'queues'));
    let attempts = 0;
    const bus = new LocalEventBus(
      resolver,
      () => {
        attempts++;
        return Promise.reject(new Error('Rate Exceeded'));
      },
      join(dir, 'dead-letters'),
      undefined,
      queues,
    );
    bus.bindTargets();
    const [id] = bus.put([
      {
        EventBusName: 'feltfit',
        Source: 'feltfit.profiles',
        DetailType: 'ProfileUpdated',
        Detail: '{"profileId":"p-1"}',
      },
    ]);
    await bus.idle();
    expect(attempts).toBe(3);
    const [message, ...more] = await queues.messages('feltfit-failed-journey-rules');
    expect(more).toEqual([]);
    expect(JSON.parse(message!.body)).toMatchObject({
      id,
      'detail-type': 'ProfileUpdated',
      detail: { profileId: 'p-1' },
    });
    expect(message!.attributes).toMatchObject({
      RULE_ARN: 'arn:aws:events:us-east-1:000000000000:rule/Rule',
      TARGET_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:Fn',
      ERROR_MESSAGE: 'Rate Exceeded',
    });
    await bus.close();
  });
});
