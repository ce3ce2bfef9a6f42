import { describe, expect, it } from 'vitest';
import { fromEventItem, personKey, toEventItem } from '../../../shared/adapters/dynamodb/event-store.js';
import { itemSizeBytes, valueSize, writeUnits } from '../../../shared/adapters/dynamodb/item-size.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { testHasher } from '../../support/hasher.js';

const message: NormalisedMessage = {
  messageId: 'msg-1',
  type: 'track',
  event: 'Order Completed',
  userId: 'user-1',
  anonymousId: 'anon-1',
  properties: { order_id: 'o-1', total: 42.5 },
  timestamp: '2024-05-01T11:59:00.000Z',
  receivedAt: '2024-05-01T12:00:00.000Z',
  sourceId: 'web',
};

describe('events-table items', () => {
  it('keys a person by a hash of the userId, never the clear id', () => {
    const item = toEventItem(message, 400, testHasher);
    expect(item.pk).toBe(personKey({ userId: 'user-1' }, testHasher));
    expect(item.pk).toMatch(/^P#k1\.[0-9a-f]{64}$/);
    expect(item.sk).toBe('M#msg-1');
    expect(`${item.pk}${item.sk}`).not.toContain('user-1');
  });

  it('keys an anonymous person by a hash of the anonymousId, distinct from a userId with the same value', () => {
    expect(personKey({ anonymousId: 'x' }, testHasher)).not.toBe(personKey({ userId: 'x' }, testHasher));
  });

  it('expires the item retention days after receipt', () => {
    expect(toEventItem(message, 400, testHasher).expiresAt).toBe(
      Date.parse(message.receivedAt) / 1000 + 400 * 86_400,
    );
  });

  it('round-trips a small message as JSON without repeating key attributes in the body', () => {
    const item = toEventItem(message, 400, testHasher);
    expect(typeof item.m).toBe('string');
    expect(item.m).not.toContain('receivedAt');
    expect(fromEventItem(item)).toEqual(message);
  });

  it('compresses a large body so that it stays small, and decodes it transparently', () => {
    const big = {
      ...message,
      properties: {
        products: Array.from({ length: 40 }, (_, i) => ({ sku: `SKU-${i}`, price: 9.99, qty: 1 })),
      },
    };
    const item = toEventItem(big, 400, testHasher);
    expect(item.z).toBeInstanceOf(Uint8Array);
    expect(item).not.toHaveProperty('m');
    expect(fromEventItem(item)).toEqual(big);
  });

  it('keeps a typical track event within one write unit', () => {
    expect(writeUnits(toEventItem(message, 400, testHasher))).toBe(1);
  });
});

describe('item size', () => {
  it('counts names and values as DynamoDB does', () => {
    expect(itemSizeBytes({ pk: 'abc' })).toBe(5);
    expect(valueSize(12345)).toBe(4); // 5 significant digits → 3 bytes + 1
    expect(valueSize(true)).toBe(1);
    expect(valueSize(new Uint8Array(10))).toBe(10);
    expect(valueSize('é')).toBe(2);
    expect(valueSize({ a: 'x' })).toBe(3 + 1 + 1 + 1);
  });

  it('charges one write unit per started kilobyte', () => {
    expect(writeUnits({ a: 'x'.repeat(1022) })).toBe(1);
    expect(writeUnits({ a: 'x'.repeat(1023) })).toBe(1);
    expect(writeUnits({ a: 'x'.repeat(1024) })).toBe(2);
  });
});
