/**
 * Occurrences against DynamoDB Local: keyed by the event's stable id, so a redelivery is the same
 * item; once marked handled, recording it again answers `duplicate`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { journeyStores } from '../../../shared/adapters/dynamodb/journey-wiring.js';
import { createTestTables } from '../../support/dynamodb.js';

let stores: ReturnType<typeof journeyStores>;

beforeAll(async () => {
  const t = await createTestTables();
  stores = journeyStores(
    t.tables.journeys,
    { retentionDays: 35, auditRetentionDays: 400 },
    documentClient(t.client),
  );
});

const order = (eventId: string) => ({
  profileId: 'p-once',
  event: 'OrderCompleted',
  eventId,
  at: '2026-03-02T10:00:00.120Z',
  keys: { orderId: 'o-1' },
  facts: { revenue: 30 },
});

describe('event occurrences, once per event id', () => {
  it('records a redelivery before it was handled again, and refuses it after', async () => {
    expect(await stores.occurrences.record(order('ev-1'))).toBe('recorded');
    // The first delivery failed before it finished: the redelivery acts again.
    expect(await stores.occurrences.record(order('ev-1'))).toBe('recorded');
    await stores.occurrences.markHandled(order('ev-1'));
    expect(await stores.occurrences.record(order('ev-1'))).toBe('duplicate');
    // Another event at the same instant is its own occurrence.
    expect(await stores.occurrences.record(order('ev-2'))).toBe('recorded');
  });

  it('keeps one occurrence per event id, which an exit check can exclude as the trigger', async () => {
    await stores.occurrences.record(order('ev-3'));
    await stores.occurrences.record(order('ev-3'));
    const since = '2026-03-02T10:00:00.000Z';
    const other = await stores.occurrences.occurredSince(
      'p-once',
      'OrderCompleted',
      undefined,
      since,
      'ev-3',
    );
    expect(other?.eventId).not.toBe('ev-3');
    const found = await stores.occurrences.occurredSince(
      'p-once',
      'OrderCompleted',
      { property: 'orderId', value: 'o-1' },
      since,
    );
    expect(found).toMatchObject({
      at: '2026-03-02T10:00:00.120Z',
      keys: { orderId: 'o-1' },
      facts: { revenue: 30 },
    });
  });
});
