import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  DynamoDbEventLanding,
  LANDED_ITEM_BYTES,
  LANDED_MARKER_SECONDS,
  landedBodies,
  landedItemFromImage,
} from '../../../shared/adapters/dynamodb/event-landing.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { StoreThrottledError } from '../../../shared/domain/store-errors.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;

const message = (i: number, extra: Record<string, unknown> = {}) =>
  ({
    type: 'track',
    event: 'Product Viewed',
    userId: `u-${i}`,
    messageId: `m-${i}`,
    timestamp: NOW.toISOString(),
    receivedAt: NOW.toISOString(),
    sourceId: 'web',
    ...extra,
  }) as unknown as NormalisedMessage;

function setup() {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const mock = mockClient(doc);
  const landing = new DynamoDbEventLanding({
    client: doc,
    tableName: 'events',
    retentionDays: 30,
    now: () => NOW,
  });
  return { mock, landing };
}

/** A stream record's NewImage for an item, as Lambda delivers it: binary attributes base64-encoded. */
function streamImage(item: Record<string, unknown>): Record<string, unknown> {
  const image = marshall(item) as Record<string, { B?: Uint8Array }>;
  return Object.fromEntries(
    Object.entries(image).map(([k, v]) => [k, v.B ? { B: Buffer.from(v.B).toString('base64') } : v]),
  );
}

describe('DynamoDbEventLanding.land', () => {
  it('puts each part as one compressed item, only where no item (or an expired marker) is', async () => {
    const { mock, landing } = setup();
    mock.on(PutCommand).resolves({ ConsumedCapacity: { CapacityUnits: 3 } });
    const messages = Array.from({ length: 500 }, (_, i) => message(i));
    const out = await landing.land([
      { id: 'k1.aa', messages },
      { id: 'k1.bb', messages: [message(900)] },
    ]);
    expect(out).toEqual({ landed: 2, alreadyLanded: 0, writeUnits: 6 });
    const inputs = mock.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => [i.Item?.pk, i.Item?.sk, i.Item?.n])).toEqual([
      ['L#k1.aa', 'L#0', 500],
      ['L#k1.bb', 'L#0', 1],
    ]);
    expect(inputs[0]).toMatchObject({
      TableName: 'events',
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': NOW_S },
      ReturnConsumedCapacity: 'TOTAL',
      Item: { expiresAt: NOW_S + 30 * 86_400 },
    });
    // Compressed: 500 messages in a small fraction of their JSON.
    const z = inputs[0]!.Item?.z as Uint8Array;
    expect(z).toBeInstanceOf(Uint8Array);
    expect(z.length).toBeLessThan(JSON.stringify(messages).length / 5);
    // The item holds the messages, as the fan-out reads them back from the stream.
    const back = landedItemFromImage('7', streamImage(inputs[0]!.Item!));
    expect(back).toEqual({ recordId: '7', key: { pk: 'L#k1.aa', sk: 'L#0' }, messages });
  });

  it('counts a part whose item is already there as landed before, writing nothing for it', async () => {
    const { mock, landing } = setup();
    mock
      .on(PutCommand, { Item: { pk: 'L#k1.aa' } })
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }))
      .on(PutCommand, { Item: { pk: 'L#k1.bb' } })
      .resolves({});
    const out = await landing.land([
      { id: 'k1.aa', messages: [message(1)] },
      { id: 'k1.bb', messages: [message(2)] },
    ]);
    expect(out).toMatchObject({ landed: 1, alreadyLanded: 1 });
  });

  it('answers a throttled write with StoreThrottledError, and passes other failures on', async () => {
    const { mock, landing } = setup();
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    mock.on(PutCommand).rejects(throttled);
    await expect(landing.land([{ id: 'k1.aa', messages: [message(1)] }])).rejects.toBeInstanceOf(
      StoreThrottledError,
    );
    mock.reset();
    mock.on(PutCommand).rejects(new Error('socket hang up'));
    await expect(landing.land([{ id: 'k1.aa', messages: [message(1)] }])).rejects.toThrow('socket hang up');
  });

  it('splits a part too large for one item into items that each fit', async () => {
    const { mock, landing } = setup();
    mock.on(PutCommand).resolves({});
    // Random base64 payloads barely compress: 40 messages of ~30 KB are ~900 KB compressed.
    const messages = Array.from({ length: 40 }, (_, i) =>
      message(i, { properties: { blob: randomBytes(22_000).toString('base64') } }),
    );
    const out = await landing.land([{ id: 'k1.big', messages }]);
    expect(out).toMatchObject({ landed: 1, alreadyLanded: 0 });
    const items = mock.commandCalls(PutCommand).map((c) => c.args[0].input.Item!);
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(new Set(items.map((i) => i.pk))).toEqual(new Set(['L#k1.big']));
    expect(items.map((i) => i.sk)).toEqual(items.map((_, k) => `L#${k}`));
    for (const i of items) expect((i.z as Uint8Array).length).toBeLessThanOrEqual(LANDED_ITEM_BYTES);
    const back = items.flatMap((i, k) => landedItemFromImage(String(k), streamImage(i))!.messages);
    expect(back).toEqual(messages);
  });
});

describe('DynamoDbEventLanding.markStored', () => {
  it('drops the messages and keeps a marker that expires after a day', async () => {
    const { mock, landing } = setup();
    mock.on(UpdateCommand).resolves({});
    await landing.markStored({ pk: 'L#k1.aa', sk: 'L#0' });
    expect(mock.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: 'events',
      Key: { pk: 'L#k1.aa', sk: 'L#0' },
      UpdateExpression: 'SET #stored = :now, expiresAt = :exp REMOVE z, n',
      ExpressionAttributeNames: { '#stored': 'stored' },
      ExpressionAttributeValues: { ':now': NOW_S, ':exp': NOW_S + LANDED_MARKER_SECONDS },
    });
  });
});

describe('landedItemFromImage', () => {
  it('is undefined for an event item and for a stored marker', () => {
    expect(landedItemFromImage('1', streamImage({ pk: 'P#k1.x', sk: 'M#m-1', m: '{}' }))).toBeUndefined();
    expect(landedItemFromImage('1', streamImage({ pk: 'L#k1.x', sk: 'L#0', stored: NOW_S }))).toBeUndefined();
  });

  it('throws for a waiting item whose body does not hold its messages (retried, never dropped)', () => {
    const [body] = landedBodies([message(1)]);
    expect(() =>
      landedItemFromImage('1', streamImage({ pk: 'L#k1.x', sk: 'L#0', n: 2, z: body!.z })),
    ).toThrow();
    expect(() => landedItemFromImage('1', streamImage({ pk: 'L#k1.x', sk: 'L#0', n: 1 }))).toThrow();
  });
});
