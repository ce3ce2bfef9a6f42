/**
 * The outbox under faults, through the local runtime: while the local bus fails a fifth of the
 * PutEvents entries (and some whole calls) and the publisher crashes after a fifth of its
 * invocations (its events were put, the mapping sees a failure and redelivers), a workload of a few
 * hundred people opting in, checking out and ordering runs. Then every domain event the projector
 * put in an outbox reached the bus (counted by eventId), some more than once, and no journey started
 * twice and no conversion counted twice.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { executionsOf, profileOf } from './support/journeys.js';
import { deliveredEventIds, outboxEventIds } from './support/outbox.js';

const PEOPLE = 240;
const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
let rt: TestRuntime;

/** Who does what: everyone opts in and checks out; two in three order, one in three of those twice. */
const people = Array.from({ length: PEOPLE }, (_, i) => ({
  userId: `outbox-${i}`,
  orders: i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : 2,
}));

function messagesOf(p: (typeof people)[number], now: number): object[] {
  const at = (s: number) => new Date(now - 600_000 + s * 1000).toISOString();
  const base = { userId: p.userId };
  const out: object[] = [
    {
      ...base,
      type: 'identify',
      messageId: `${p.userId}-id`,
      traits: { email: `${p.userId}@example.com` },
      context: { consent: { categoryPreferences: { email: true } } },
      timestamp: at(0),
    },
    {
      ...base,
      type: 'track',
      messageId: `${p.userId}-co`,
      event: 'Checkout Started',
      properties: { cart_id: `${p.userId}-cart`, value: 50 },
      timestamp: at(10),
    },
  ];
  for (let k = 1; k <= p.orders; k++) {
    out.push({
      ...base,
      type: 'track',
      messageId: `${p.userId}-o${k}`,
      event: 'Order Completed',
      properties: {
        order_id: `${p.userId}-order-${k}`,
        revenue: 25 * k,
        ...(k === 1 ? { cart_id: `${p.userId}-cart` } : {}),
      },
      timestamp: at(20 + k * 10),
    });
  }
  return out;
}

/** All items of a journeys-table partition. */
async function partition(pk: string): Promise<Record<string, unknown>[]> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ ...local, endpoint: rt.dynamodbEndpoint }));
  const items: Record<string, unknown>[] = [];
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: rt.tables.JOURNEYS_TABLE!,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return items;
}

beforeAll(async () => {
  rt = await startTestRuntime({
    faults: { putEventsFailureRate: 0.2, crashRate: { 'publish-domain-events': 0.2 }, seed: 14 },
  });
  const now = Date.now();
  const messages = people.flatMap((p) => messagesOf(p, now));
  for (let i = 0; i < messages.length; i += 100) {
    const res = await rt.post('/v1/batch', { batch: messages.slice(i, i + 100) });
    expect(res.status).toBe(200);
  }
  await rt.settle(240_000);
}, 600_000);

afterAll(async () => {
  await rt?.stop();
});

describe('the outbox under injected PutEvents failures and publisher crashes', () => {
  it('delivers every domain event the projection put in an outbox, some more than once', async () => {
    const expected = await outboxEventIds(rt);
    const delivered = deliveredEventIds(rt.bus.history);
    const types = [...expected.values()];
    // The workload produced the events the journeys and measurement act on.
    expect(types.filter((t) => t === 'OrderCompleted')).toHaveLength(
      people.reduce((n, p) => n + p.orders, 0),
    );
    expect(types.filter((t) => t === 'CheckoutStarted')).toHaveLength(PEOPLE);
    expect(types.filter((t) => t === 'ConsentChanged').length).toBeGreaterThanOrEqual(PEOPLE);
    const missing = [...expected.keys()].filter((id) => !delivered.includes(id));
    expect(missing).toEqual([]);
    // Nothing on the bus that no outbox held, and the faults did bite: crashes republished events.
    expect(delivered.filter((id) => !expected.has(id))).toEqual([]);
    expect(delivered.length).toBeGreaterThan(new Set(delivered).size);
  });

  it('starts each journey once per person and entry key', () => {
    for (const journey of ['onboarding', 'cart-recovery', 'replenishment']) {
      const keys = people.flatMap((p) =>
        executionsOf(rt, journey, profileOf(p.userId)).map((e) => {
          const input = JSON.parse(e.input) as { profileId: string; entryKey: string | null };
          return `${input.profileId}|${input.entryKey}`;
        }),
      );
      expect(keys.length, journey).toBeGreaterThan(0);
      expect(new Set(keys).size, journey).toBe(keys.length);
    }
  });

  it('records each trigger’s assignment once, and one execution for each started one', async () => {
    const assigned = await partition('ASSIGN#cart-recovery');
    expect(assigned).toHaveLength(PEOPLE);
    const started = assigned.filter((a) => a.started === true).length;
    const executions = people.flatMap((p) => executionsOf(rt, 'cart-recovery', profileOf(p.userId)));
    expect(executions).toHaveLength(started);
  });

  it('counts each conversion once: first and repeat customers, one attributed record per order', async () => {
    const kpi = (await partition('KPI')).find((i) => i.sk === 'CUSTOMERS');
    expect(kpi).toMatchObject({
      customers: people.filter((p) => p.orders >= 1).length,
      repeatCustomers: people.filter((p) => p.orders >= 2).length,
    });
    for (const p of people.filter((x) => x.orders > 0).slice(0, 40)) {
      const conversions = await partition(`CONVERSION#${profileOf(p.userId)}`);
      expect(conversions, p.userId).toHaveLength(p.orders);
    }
  });
});
