import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand, LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  awsBackend,
  describeFailure,
  localBackend,
  parseArgs,
  run,
} from '../../../infra/cli/commands/dlq.js';
import { LocalQueueStore } from '../../../infra/local/async-invoke.js';

const FN = 'arn:aws:lambda:eu-west-1:111122223333:function:Feltfit-JourneysStart1234';
const record = (payload: unknown) =>
  JSON.stringify({
    version: '1.0',
    timestamp: '2026-12-07T10:00:00.000Z',
    requestContext: {
      requestId: 'r-1',
      functionArn: `${FN}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: payload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'ProvisionedThroughputExceededException', errorMessage: 'slow down' },
  });

const PUBLISHER = 'arn:aws:lambda:eu-west-1:111122223333:function:Feltfit-ProfilesPublisher1234';
const STREAM =
  'arn:aws:dynamodb:eu-west-1:111122223333:table/feltfit-profiles/stream/2026-12-07T00:00:00.000';
const SHARD = 'shardId-00000001765000000000-abcdef12';
/** What Lambda sends a stream mapping's on-failure destination: a pointer, not the records. */
const streamGiveUp = () =>
  JSON.stringify({
    version: '1.0',
    timestamp: '2026-12-07T10:00:00.000Z',
    requestContext: {
      requestId: 'r-2',
      functionArn: PUBLISHER,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 6,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    DDBStreamBatchInfo: {
      shardId: SHARD,
      startSequenceNumber: '100',
      endSequenceNumber: '300',
      approximateArrivalOfFirstRecord: '2026-12-07T09:59:00.000Z',
      approximateArrivalOfLastRecord: '2026-12-07T09:59:01.000Z',
      batchSize: 2,
      streamArn: STREAM,
    },
  });

function io(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env }, out, err };
}

describe('feltfit dlq arguments', () => {
  it('accept a queue without its prefix and default to list', () => {
    expect(parseArgs([])).toMatchObject({ command: 'list', limit: 50, aws: false });
    expect(parseArgs(['list', '--queue', 'start-journey'])).toMatchObject({
      queue: 'feltfit-failed-start-journey',
    });
  });

  it('refuse what cannot be meant, saying why', () => {
    expect(() => parseArgs(['redrive'])).toThrow(/ID or --all/);
    expect(() => parseArgs(['redrive', 'abc', '--all'])).toThrow(/ID or --all/);
    expect(() => parseArgs(['show', '../x'])).toThrow(/message id/);
    expect(() => parseArgs(['list', '--limit', '0'])).toThrow(/limit/);
    expect(() => parseArgs(['purge'])).toThrow(/unknown command 'purge'/);
    expect(() => parseArgs(['list', '--force'])).toThrow(/unknown option --force/);
  });

  it('exit 2 with one line saying what is wrong and where the help is', async () => {
    const t = io();
    expect(await run(['redrive'], t.io)).toBe(2);
    expect(t.err.join('')).toBe(
      'feltfit dlq redrive: redrive takes a message ID or --all, not both (see feltfit dlq redrive --help)\n',
    );
  });
});

describe('reading a failure message', () => {
  it('finds the function and the original event in an invocation record', () => {
    const d = describeFailure({ id: 'm', queue: 'q', body: record({ id: 'e-1' }), attributes: {} });
    expect(d).toEqual({
      kind: 'invocation-record',
      target: `${FN}:$LATEST`,
      payload: { id: 'e-1' },
      error: 'ProvisionedThroughputExceededException',
      condition: 'RetriesExhausted',
    });
  });

  it('finds the target of an event a rule could not deliver in TARGET_ARN', () => {
    const d = describeFailure({
      id: 'm',
      queue: 'q',
      body: '{"id":"e-2","detail-type":"OrderCompleted"}',
      attributes: { TARGET_ARN: FN, ERROR_CODE: 'RESOURCE_NOT_FOUND' },
    });
    expect(d).toMatchObject({ kind: 'undelivered-event', target: FN, error: 'RESOURCE_NOT_FOUND' });
  });

  it('finds the function and the shard range in a stream mapping’s give-up', () => {
    const d = describeFailure({ id: 'm', queue: 'q', body: streamGiveUp(), attributes: {} });
    expect(d).toEqual({
      kind: 'stream-batch',
      target: PUBLISHER,
      batch: expect.objectContaining({
        shardId: SHARD,
        startSequenceNumber: '100',
        endSequenceNumber: '300',
      }),
      error: 'RetryAttemptsExhausted',
      condition: 'RetryAttemptsExhausted',
    });
    // A pointer without its range cannot be replayed: not taken for one.
    const partial = JSON.stringify({
      requestContext: { functionArn: PUBLISHER },
      DDBStreamBatchInfo: { shardId: SHARD },
    });
    expect(describeFailure({ id: 'm', queue: 'q', body: partial, attributes: {} }).kind).toBe('unknown');
  });
});

describe('feltfit dlq against the local runtime', () => {
  it('lists queues with counts and shows a message as JSON, without a running runtime', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'feltfit-dlq-'));
    const store = new LocalQueueStore(join(dataDir, 'queues'));
    const id = await store.send('feltfit-failed-start-journey', record({ id: 'e-3' }));
    const listed = io({ FELTFIT_DATA_DIR: dataDir });
    expect(await run(['list'], listed.io)).toBe(0);
    expect(listed.out.join('')).toMatch(/1 {2}feltfit-failed-start-journey/);
    const shown = io({ FELTFIT_DATA_DIR: dataDir });
    expect(await run(['show', id], shown.io)).toBe(0);
    expect(JSON.parse(shown.out.join(''))).toMatchObject({
      id,
      queue: 'feltfit-failed-start-journey',
      body: { requestPayload: { id: 'e-3' } },
      failure: { kind: 'invocation-record' },
    });
    const redrive = io({ FELTFIT_DATA_DIR: dataDir });
    expect(await run(['redrive', id], redrive.io)).toBe(1);
    expect(redrive.err.join('')).toMatch(/no local Lambda endpoint.*npm start/);
    expect(await store.queues()).toEqual([{ name: 'feltfit-failed-start-journey', count: 1 }]);
  });

  it('answers 1 and names the id when a message is not there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'feltfit-dlq-'));
    writeFileSync(join(dataDir, 'runtime.json'), '{}');
    const t = io({ FELTFIT_DATA_DIR: dataDir });
    expect(await run(['show', 'no-such-id'], t.io)).toBe(1);
    expect(t.err.join('')).toContain('no message no-such-id');
  });
});

describe('feltfit dlq redrive --all --function', () => {
  it('redrives only the records of the function named, and leaves the others', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'feltfit-dlq-'));
    const store = new LocalQueueStore(join(dataDir, 'queues'));
    const other = record({ id: 'e-other' }).replace(
      'Feltfit-JourneysStart1234',
      'Feltfit-MeasurementRecorder99',
    );
    await store.send('feltfit-failed-async-invocations', record({ id: 'e-start' }));
    await store.send('feltfit-failed-async-invocations', other);
    const invoked: unknown[] = [];
    const local = await localBackend({ FELTFIT_DATA_DIR: dataDir });
    const backend = {
      ...local,
      invoke: async (_arn: string, payload: unknown) => {
        invoked.push(payload);
        return { ok: true as const };
      },
    };
    const t = io({ FELTFIT_DATA_DIR: dataDir });
    const args = ['redrive', '--all', '--function', 'JourneysStart', '--queue', 'async-invocations'];
    expect(await run(args, t.io, { local: async () => backend })).toBe(0);
    expect(invoked).toEqual([{ id: 'e-start' }]);
    const left = await store.messages('feltfit-failed-async-invocations');
    expect(left.map((m) => JSON.parse(m.body).requestPayload)).toEqual([{ id: 'e-other' }]);
  });

  it('is refused without --all', () => {
    expect(() => parseArgs(['redrive', 'abc', '--function', 'x'])).toThrow(/--function goes with --all/);
    expect(() => parseArgs(['list', '--function', 'x'])).toThrow(
      'feltfit dlq list: unknown option --function (see feltfit dlq list --help)',
    );
  });
});

describe('feltfit dlq against AWS', () => {
  const sqs = mockClient(SQSClient);
  const lambda = mockClient(LambdaClient);
  const url = 'https://sqs.eu-west-1.amazonaws.com/111122223333/feltfit-failed-start-journey';
  const backend = () =>
    awsBackend(new SQSClient({ region: 'eu-west-1' }), new LambdaClient({ region: 'eu-west-1' }));

  beforeEach(() => {
    sqs.reset();
    lambda.reset();
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: url });
  });

  it('lists the feltfit-failed-* queues with visible and in-flight messages', async () => {
    sqs.on(ListQueuesCommand).resolves({ QueueUrls: [url] });
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1' },
    });
    const t = io();
    expect(await run(['list', '--aws', '--json'], t.io, { aws: backend })).toBe(0);
    expect(JSON.parse(t.out.join(''))).toEqual([{ name: 'feltfit-failed-start-journey', count: 3 }]);
    expect(sqs.commandCalls(ListQueuesCommand)[0]!.args[0].input).toMatchObject({
      QueueNamePrefix: 'feltfit-failed-',
    });
  });

  it('redrives: invokes the failed function with the original event, deletes on success, keeps a failure', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm-ok',
            ReceiptHandle: 'h-ok',
            Body: record({ id: 'e-ok' }),
            Attributes: { SentTimestamp: '1765101600000' },
          },
          { MessageId: 'm-bad', ReceiptHandle: 'h-bad', Body: record({ id: 'e-bad' }) },
        ],
      })
      .resolves({ Messages: [] });
    lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array }) => {
      const event = JSON.parse(new TextDecoder().decode(input.Payload)) as { id: string };
      return event.id === 'e-ok'
        ? { StatusCode: 200 }
        : {
            StatusCode: 200,
            FunctionError: 'Unhandled',
            Payload: new TextEncoder().encode('{"errorType":"Error","errorMessage":"still broken"}'),
          };
    });
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const t = io();
    expect(await run(['redrive', '--all', '--queue', 'start-journey', '--aws'], t.io, { aws: backend })).toBe(
      1,
    );
    const invokes = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invokes.map((i) => [i.FunctionName, i.InvocationType])).toEqual([
      [`${FN}:$LATEST`, 'RequestResponse'],
      [`${FN}:$LATEST`, 'RequestResponse'],
    ]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toMatchObject({
      QueueUrl: url,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 960,
    });
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: url, ReceiptHandle: 'h-ok' },
    ]);
    // The failed one is visible again at once, for the next attempt or an operator.
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: url, Entries: [{ Id: '0', ReceiptHandle: 'h-bad', VisibilityTimeout: 0 }] },
    ]);
    expect(t.out.join('')).toContain('1 redriven, 1 left in the queues');
    expect(t.err.join('')).toContain('failed m-bad');
    expect(t.err.join('')).not.toContain('still broken');
  });

  it('redrives a stream give-up: reads its records back from the stream, keeps what the mapping’s filter passes, invokes the function', async () => {
    const streams = mockClient(DynamoDBStreamsClient);
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm-s', ReceiptHandle: 'h-s', Body: streamGiveUp() }] })
      .resolves({ Messages: [] });
    lambda.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [
        {
          UUID: 'u-1',
          FunctionArn: PUBLISHER,
          EventSourceArn: STREAM,
          FilterCriteria: {
            Filters: [{ Pattern: '{"dynamodb":{"NewImage":{"outbox":{"S":[{"exists":true}]}}}}' }],
          },
        },
      ],
    });
    const rec = (seq: string, outbox?: string) => ({
      eventID: `e-${seq}`,
      eventName: 'MODIFY' as const,
      dynamodb: {
        SequenceNumber: seq,
        ApproximateCreationDateTime: new Date('2026-12-07T09:59:00Z'),
        NewImage: { pk: { S: `P#${seq}` }, ...(outbox ? { outbox: { S: outbox } } : {}) },
      },
    });
    streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    streams
      .on(GetRecordsCommand, { ShardIterator: 'it-1' })
      .resolves({ Records: [rec('100', '[]'), rec('200')], NextShardIterator: 'it-2' });
    // The next page runs past the give-up's range: the record after it is not replayed.
    streams
      .on(GetRecordsCommand, { ShardIterator: 'it-2' })
      .resolves({ Records: [rec('300', '[]'), rec('400', '[]')], NextShardIterator: 'it-3' });
    lambda.on(InvokeCommand).callsFake(() => ({
      StatusCode: 200,
      Payload: new TextEncoder().encode('{"batchItemFailures":[]}'),
    }));
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const t = io();
    const aws = () =>
      awsBackend(
        new SQSClient({ region: 'eu-west-1' }),
        new LambdaClient({ region: 'eu-west-1' }),
        new DynamoDBStreamsClient({ region: 'eu-west-1' }),
      );
    expect(
      await run(['redrive', 'm-s', '--queue', 'publish-domain-events-stream', '--aws'], t.io, { aws }),
    ).toBe(0);
    expect(lambda.commandCalls(ListEventSourceMappingsCommand)[0]!.args[0].input).toEqual({
      FunctionName: PUBLISHER,
      EventSourceArn: STREAM,
    });
    expect(streams.commandCalls(GetShardIteratorCommand)[0]!.args[0].input).toEqual({
      StreamArn: STREAM,
      ShardId: SHARD,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: '100',
    });
    const [invoke, ...more] = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(more).toEqual([]);
    expect(invoke!.FunctionName).toBe(PUBLISHER);
    const payload = JSON.parse(new TextDecoder().decode(invoke!.Payload as Uint8Array));
    expect(payload.Records.map((r: { eventID: string }) => r.eventID)).toEqual(['e-100', 'e-300']);
    expect(payload.Records[0]).toMatchObject({
      eventSourceARN: STREAM,
      dynamodb: { ApproximateCreationDateTime: Date.parse('2026-12-07T09:59:00Z') / 1000 },
    });
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: url, ReceiptHandle: 'h-s' },
    ]);
    expect(t.out.join('')).toContain('1 redriven, 0 left in the queues');

    // Records trimmed from the stream (or a handler reporting failures): the message stays.
    sqs.reset();
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: url });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm-s', ReceiptHandle: 'h-s2', Body: streamGiveUp() }] })
      .resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    streams
      .on(GetRecordsCommand, { ShardIterator: 'it-1' })
      .resolves({ Records: [], NextShardIterator: 'it-2' });
    const gone = io();
    expect(
      await run(['redrive', 'm-s', '--queue', 'publish-domain-events-stream', '--aws'], gone.io, { aws }),
    ).toBe(1);
    expect(gone.err.join('')).toMatch(/no longer on the stream; left in the queue/);
    expect(sqs.commandCalls(DeleteMessageCommand)).toEqual([]);
    streams.restore();
  });
});
