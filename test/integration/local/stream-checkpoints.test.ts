import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { run } from '../../../infra/cli/commands/dlq.js';
import { LocalAsyncInvoker, LocalLambdaApi, LocalQueueStore } from '../../../infra/local/async-invoke.js';
import { createTemplateTables } from '../../../infra/local/dynamodb-tables.js';
import type { LocalFunction } from '../../../infra/local/lambda.js';
import { LocalStreamMappings } from '../../../infra/local/stream-mappings.js';
import { bindPassiveResources, Resolver } from '../../../infra/local/template.js';
import { localClient } from '../../support/dynamodb.js';

const client = localClient();
const streams = new DynamoDBStreamsClient({
  endpoint: inject('dynamodbEndpoint'),
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
afterAll(() => {
  client.destroy();
  streams.destroy();
});

/** A streamed table and a TRIM_HORIZON mapping to a projector that records the keys it was given. */
async function streamedTable() {
  const template = {
    Resources: {
      Items: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        },
      },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: { 'Fn::GetAtt': ['Items', 'StreamArn'] },
          FunctionName: 'Projector',
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 2,
        },
      },
    },
  };
  const resolver = new Resolver(template);
  const prefix = `ckpt${randomBytes(4).toString('hex')}`;
  const tables = await createTemplateTables(client, resolver, prefix);
  const seen: string[] = [];
  const projector = {
    logicalId: 'Projector',
    invoke: async (event: { Records: { dynamodb: { Keys: { pk: { S: string } } } }[] }) => {
      for (const r of event.Records) seen.push(r.dynamodb.Keys.pk.S);
      return {};
    },
  } as unknown as LocalFunction;
  const put = async (...keys: string[]) => {
    for (const pk of keys)
      await client.send(new PutItemCommand({ TableName: tables.Items!, Item: { pk: { S: pk } } }));
  };
  const checkpointDir = mkdtempSync(join(tmpdir(), 'stream-checkpoints-'));
  /** One start of the local runtime's mappings on the same checkpoint folder. */
  const run = async (during: () => Promise<void>) => {
    const mappings = new LocalStreamMappings(
      resolver,
      new Map([['Projector', projector]]),
      streams,
      new LocalQueueStore(join(checkpointDir, 'queues')),
      checkpointDir,
    );
    mappings.start();
    try {
      await during();
      await mappings.idle();
    } finally {
      await mappings.stop();
    }
  };
  return { put, seen, run, checkpointFile: join(checkpointDir, 'Mapping.json') };
}

describe('local stream mappings across a restart', () => {
  it('resumes after the last record processed: nothing is delivered twice, nothing written while stopped is missed', async () => {
    const t = await streamedTable();
    await t.run(() => t.put('a', 'b', 'c'));
    expect(t.seen).toEqual(['a', 'b', 'c']);
    const checkpoint = JSON.parse(readFileSync(t.checkpointFile, 'utf8'));
    expect(checkpoint).toMatchObject({ version: 1, mapping: 'Mapping' });
    expect(Object.values(checkpoint.shards)).toHaveLength(1);

    await t.put('d', 'e');
    await t.run(() => t.put('f'));
    expect(t.seen).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('reads the stream from TRIM_HORIZON and says so when the checkpointed shard is gone', async () => {
    const t = await streamedTable();
    await t.run(() => t.put('a', 'b'));
    const checkpoint = JSON.parse(readFileSync(t.checkpointFile, 'utf8'));
    // As after DynamoDB Local dropped records older than 24 h: the saved shard no longer exists.
    checkpoint.shards = { 'shardId-00000000000000000000-deadbeef': '000000000000000000001' };
    writeFileSync(t.checkpointFile, JSON.stringify(checkpoint));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await t.run(async () => undefined);
      expect(log.mock.calls.flat().join('\n')).toMatch(/checkpointed shard\(s\) gone.*TRIM_HORIZON/);
    } finally {
      log.mockRestore();
    }
    expect(t.seen).toEqual(['a', 'b', 'a', 'b']);
  });

  it('reports an unreadable checkpoint and reads from TRIM_HORIZON rather than fail', async () => {
    const t = await streamedTable();
    await t.run(() => t.put('a'));
    writeFileSync(t.checkpointFile, '{"version":1,"shards":');
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await t.run(() => t.put('b'));
      expect(error.mock.calls.flat().join('\n')).toMatch(/checkpoint .* unreadable \(not JSON/);
    } finally {
      error.mockRestore();
    }
    expect(t.seen).toEqual(['a', 'a', 'b']);
    // Rewritten whole once records were processed.
    expect(JSON.parse(readFileSync(t.checkpointFile, 'utf8')).version).toBe(1);
  });
});

/**
 * A stream mapping that gives up on records puts a pointer to them (Lambda's invocation record with
 * DDBStreamBatchInfo) in its on-failure queue, in the same store as the async-invoke failures;
 * `feltfit dlq list` shows it and `feltfit dlq redrive` reads those records back from the stream
 * (through the mapping's filter) and hands them to the function, once it works again.
 */
describe('a stream mapping that gives up', () => {
  const QUEUE = 'feltfit-failed-projector-stream';

  it('puts a pointer to the records in its failure queue, and feltfit dlq redrive replays exactly them', async () => {
    const resolver = new Resolver({
      Resources: {
        Items: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
          },
        },
        Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: QUEUE } },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: {
            EventSourceArn: { 'Fn::GetAtt': ['Items', 'StreamArn'] },
            FunctionName: 'Projector',
            StartingPosition: 'TRIM_HORIZON',
            BatchSize: 10,
            MaximumRetryAttempts: 1,
            FunctionResponseTypes: ['ReportBatchItemFailures'],
            // Only items marked for projection reach the function.
            FilterCriteria: {
              Filters: [{ Pattern: '{"dynamodb":{"NewImage":{"project":{"BOOL":[true]}}}}' }],
            },
            DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } },
          },
        },
      },
    });
    bindPassiveResources(resolver);
    const tables = await createTemplateTables(client, resolver, `giveup${randomBytes(4).toString('hex')}`);
    const put = async (pk: string, project: boolean) =>
      client.send(
        new PutItemCommand({ TableName: tables.Items!, Item: { pk: { S: pk }, project: { BOOL: project } } }),
      );
    let broken = true;
    const delivered: string[][] = [];
    const projector = {
      logicalId: 'Projector',
      functionName: 'project-profile',
      invoke: async (event: {
        Records: {
          eventSourceARN: string;
          dynamodb: { SequenceNumber: string; Keys: { pk: { S: string } } };
        }[];
      }) => {
        const keys = event.Records.map((r) => r.dynamodb.Keys.pk.S);
        delivered.push(keys);
        expect(event.Records.every((r) => r.eventSourceARN.includes(':dynamodb:'))).toBe(true);
        // While broken, every record but `a` fails (a partial batch failure, from the first of them).
        const bad = event.Records.find((r) => r.dynamodb.Keys.pk.S !== 'a');
        if (broken && bad) return { batchItemFailures: [{ itemIdentifier: bad.dynamodb.SequenceNumber }] };
        return { batchItemFailures: [] };
      },
    } as unknown as LocalFunction;
    const functions = new Map([['Projector', projector]]);
    const dataDir = mkdtempSync(join(tmpdir(), 'feltfit-giveup-'));
    const queues = new LocalQueueStore(join(dataDir, 'queues'));
    const mappings = new LocalStreamMappings(resolver, functions, streams, queues);
    const lambdaApi = new LocalLambdaApi(() => functions, new LocalAsyncInvoker(resolver, queues));
    lambdaApi.eventSourceMappings = () => mappings.describe();
    const lambdaEndpoint = await lambdaApi.listen();
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      // Written before the mapping starts, so they come in one batch.
      await put('a', true);
      await put('skip', false);
      await put('b', true);
      await put('c', true);
      mappings.start();
      await vi.waitFor(async () => expect(await queues.messages(QUEUE)).toHaveLength(1), {
        timeout: 30_000,
        interval: 100,
      });
      await mappings.idle();
    } finally {
      await mappings.stop();
      error.mockRestore();
    }
    const [message] = await queues.messages(QUEUE);
    const record = JSON.parse(message!.body);
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Projector',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 2,
      },
      DDBStreamBatchInfo: { batchSize: 2, streamArn: expect.stringContaining(':dynamodb:') },
    });
    // A pointer only: no item data in the queue.
    expect(message!.body).not.toMatch(/NewImage|"pk"/);
    expect(mappings.stats).toMatchObject({ deadLettered: 1 });

    writeFileSync(
      join(dataDir, 'runtime.json'),
      JSON.stringify({ queuesDir: queues.dir, lambdaEndpoint, dynamodbEndpoint: inject('dynamodbEndpoint') }),
    );
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await run(args, {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        env: { FELTFIT_DATA_DIR: dataDir },
      });
      return { code, out: out.join(''), err: err.join('') };
    };
    const listed = await cli('list', '--queue', QUEUE);
    expect(listed.out).toContain('stream-batch  Projector  RetryAttemptsExhausted');

    // Still broken: the redrive fails and the pointer stays.
    delivered.length = 0;
    const failed = await cli('redrive', message!.messageId);
    expect(failed.code).toBe(1);
    expect(await queues.messages(QUEUE)).toHaveLength(1);

    broken = false;
    delivered.length = 0;
    const redriven = await cli('redrive', '--all', '--queue', QUEUE);
    expect(redriven.code).toBe(0);
    // The records given up on, read back from the stream; the one the filter drops is not among them.
    expect(delivered).toEqual([['b', 'c']]);
    expect(await queues.messages(QUEUE)).toEqual([]);
    await lambdaApi.close();
  });
});
