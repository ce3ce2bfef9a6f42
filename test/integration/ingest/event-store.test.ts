import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../../functions/ingest/app.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbEventStore, toEventItem } from '../../../shared/adapters/dynamodb/event-store.js';
import { writeUnits } from '../../../shared/adapters/dynamodb/item-size.js';
import { DynamoDbQuarantineStore } from '../../../shared/adapters/dynamodb/quarantine-store.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { createTestTables } from '../../support/dynamodb.js';
import { testHasher } from '../../support/hasher.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent, basicAuth, SOURCE, trackMessage, WRITE_KEY } from '../../unit/ingest/support.js';

let store: DynamoDbEventStore;
let quarantine: DynamoDbQuarantineStore;
let client: ReturnType<typeof documentClient>;
let eventsTable: string;

beforeAll(async () => {
  const t = await createTestTables();
  client = documentClient(t.client);
  eventsTable = t.tables.events;
  store = new DynamoDbEventStore({
    client,
    tableName: t.tables.events,
    retentionDays: 400,
    hasher: testHasher,
  });
  quarantine = new DynamoDbQuarantineStore({ client, tableName: t.tables.control, retentionDays: 400 });
});

const message = (overrides: Partial<NormalisedMessage> = {}): NormalisedMessage => ({
  messageId: randomUUID(),
  type: 'track',
  event: 'Product Viewed',
  userId: `user-${randomUUID()}`,
  properties: { product_id: 'p-1', price: 19.99 },
  timestamp: '2024-05-01T11:59:00.000Z',
  receivedAt: '2024-05-01T12:00:00.000Z',
  sourceId: 'web',
  ...overrides,
});

function ingestHandler() {
  return createIngestHandler(
    {
      events: store,
      quarantine,
      hasher: testHasher,
      resolveWriteKey: async (key) => (key === WRITE_KEY ? SOURCE : undefined),
      now: () => new Date(),
      newId: randomUUID,
    },
    silentLogger,
  );
}

async function post(path: string, body: unknown): Promise<APIGatewayProxyStructuredResultV2> {
  const event = apiEvent(path, JSON.stringify(body), { headers: { authorization: basicAuth() } });
  return ingestHandler()(event, {} as Context);
}

describe('DynamoDbEventStore', () => {
  it("stores events and lists them back by the person's userId", async () => {
    const userId = `user-${randomUUID()}`;
    const events = [
      message({ userId }),
      message({ userId, type: 'identify', event: undefined, traits: { plan: 'pro' } }),
    ];
    expect(await store.putEvents(events)).toMatchObject({ stored: 2 });
    const page = await store.listByPerson({ userId, limit: 10 });
    expect(page.events).toHaveLength(2);
    expect(page.events).toEqual(expect.arrayContaining(events));
  });

  it('lists by anonymousId events that have no userId', async () => {
    const anonymousId = `anon-${randomUUID()}`;
    await store.putEvents([message({ userId: undefined, anonymousId })]);
    expect((await store.listByPerson({ anonymousId, limit: 10 })).events).toHaveLength(1);
  });

  it('stores a message written twice in one call once', async () => {
    const m = message();
    expect(await store.putEvents([m, m, { ...m }])).toMatchObject({ stored: 1 });
    expect((await store.listByPerson({ userId: m.userId!, limit: 10 })).events).toHaveLength(1);
  });

  it('pages with an opaque cursor and refuses a cursor for another person', async () => {
    const userId = `user-${randomUUID()}`;
    await store.putEvents(Array.from({ length: 5 }, () => message({ userId })));
    const first = await store.listByPerson({ userId, limit: 3 });
    expect(first.events).toHaveLength(3);
    expect(first.cursor).toBeDefined();
    const second = await store.listByPerson({ userId, limit: 3, cursor: first.cursor! });
    expect(second.events).toHaveLength(2);
    expect(second.cursor).toBeUndefined();
    await expect(
      store.listByPerson({ userId: 'someone-else', limit: 3, cursor: first.cursor! }),
    ).rejects.toMatchObject({
      code: 'invalid_cursor',
    });
  });

  it('round-trips large compressed events and unicode through DynamoDB', async () => {
    const m = message({
      properties: {
        note: '🛒 مرحبا 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
        products: Array.from({ length: 60 }, (_, i) => ({
          sku: `SKU-${i}`,
          name: `Produkt ${i} ✓`,
          price: 9.99,
        })),
      },
    });
    await store.putEvents([m]);
    expect((await store.listByPerson({ userId: m.userId!, limit: 1 })).events).toEqual([m]);
  });

  it('costs one write unit for a typical Segment track event, as DynamoDB reports it', async () => {
    const typical = message({
      event: 'Order Completed',
      anonymousId: randomUUID(),
      properties: {
        order_id: '50314b8e9bcf000000000000',
        total: 27.5,
        revenue: 25,
        currency: 'USD',
        products: [
          {
            product_id: '507f1f77bcf86cd799439011',
            sku: '45790-32',
            name: 'Monopoly',
            price: 19,
            quantity: 1,
          },
        ],
      },
      context: {
        library: { name: '@segment/analytics-node', version: '3.1.0' },
        ip: '203.0.113.7',
        userAgent:
          'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Safari/605.1.15',
        page: { path: '/checkout', url: 'https://shop.example.com/checkout', title: 'Checkout' },
      },
      integrations: { All: true },
      originalTimestamp: '2024-05-01T11:59:00.000Z',
      sentAt: '2024-05-01T11:59:01.000Z',
    });
    const item = toEventItem(typical, 400, testHasher);
    const out = await client.send(
      new PutCommand({ TableName: eventsTable, Item: item, ReturnConsumedCapacity: 'TOTAL' }),
    );
    expect(out.ConsumedCapacity?.CapacityUnits).toBe(1);
    expect(writeUnits(item)).toBe(1);
    expect((await store.putEvents([typical])).writeUnits).toBe(1);
  });
});

describe('ingest handler on DynamoDB Local', () => {
  it('stores the valid part of a mixed batch and quarantines the invalid part', async () => {
    const userId = `user-${randomUUID()}`;
    const batch = [
      trackMessage({ userId, messageId: 'ok-1' }),
      { type: 'track', userId, messageId: 'no-event' },
      trackMessage({ userId, messageId: 'ok-2', timestamp: 'not a time' }),
      trackMessage({ userId, messageId: 'ok-3' }),
    ];
    const res = await post('/v1/batch', { batch });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '')).toMatchObject({
      success: true,
      accepted: 2,
      rejected: [
        { index: 1, messageId: 'no-event', code: 'invalid_message' },
        { index: 2, messageId: 'ok-2', code: 'invalid_message' },
      ],
    });
    const stored = await store.listByPerson({ userId, limit: 10 });
    expect(stored.events.map((e) => e.messageId).sort()).toEqual(['ok-1', 'ok-3']);
    const q = await quarantine.list({ reason: 'invalid_message', limit: 100 });
    expect(q.items.filter((i) => i.messageId === 'no-event' || i.messageId === 'ok-2')).toHaveLength(2);
    expect((await quarantine.countsByReason()).invalid_message).toBeGreaterThanOrEqual(2);
  });

  it('stores exactly the unique messages of 1,000 posted concurrently with 30% repeated messageIds', async () => {
    const userId = `user-${randomUUID()}`;
    const unique = Array.from({ length: 700 }, (_, i) => trackMessage({ userId, messageId: `m-${i}` }));
    // 300 repeats of earlier messages, spread over 10 overlapping batches posted at once.
    const all = [...unique, ...Array.from({ length: 300 }, (_, i) => unique[(i * 7) % 700]!)];
    const shuffled = all
      .map((m, i) => ({ m, k: (i * 7919) % 1000 }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.m);
    const batches = Array.from({ length: 10 }, (_, b) => shuffled.slice(b * 100, b * 100 + 100));
    const responses = await Promise.all(batches.map((batch) => post('/v1/batch', { batch })));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = await store.listByPerson({ userId, limit: 1000, ...(cursor ? { cursor } : {}) });
      count += page.events.length;
      cursor = page.cursor;
    } while (cursor);
    expect(count).toBe(700);
  });

  it('quarantines invalid JSON as a whole-request rejection and answers 400', async () => {
    const before = (await quarantine.countsByReason()).invalid_json ?? 0;
    const res = await ingestHandler()(
      apiEvent('/v1/b', '{"batch":[', { headers: { authorization: basicAuth() } }),
      {} as Context,
    );
    expect(res.statusCode).toBe(400);
    expect((await quarantine.countsByReason()).invalid_json).toBe(before + 1);
  });
});
