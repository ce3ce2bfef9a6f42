import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { LocalQueueStore } from '../../../infra/local/async-invoke.js';
import { createTemplateTables } from '../../../infra/local/dynamodb-tables.js';
import type { LocalFunction } from '../../../infra/local/lambda.js';
import { LocalStreamMappings } from '../../../infra/local/stream-mappings.js';
import { Resolver } from '../../../infra/local/template.js';
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
