import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../../infra/local/event-pattern.js';

const event = {
  source: 'feltfit.profiles',
  'detail-type': 'OrderCompleted',
  detail: { profileId: 'p-1', revenue: 42, cartId: 'c-9', tags: ['vip', 'eu'] },
};

describe('EventBridge pattern matching in the local runtime', () => {
  it('matches literal any-of values and nested objects', () => {
    expect(matchesPattern(event, { source: ['feltfit.profiles'], detail: { cartId: ['c-1', 'c-9'] } })).toBe(
      true,
    );
    expect(matchesPattern(event, { source: ['feltfit.channels'] })).toBe(false);
  });

  it('matches prefix, suffix, anything-but, numeric and exists', () => {
    expect(matchesPattern(event, { source: [{ prefix: 'feltfit.' }] })).toBe(true);
    expect(matchesPattern(event, { 'detail-type': [{ suffix: 'Completed' }] })).toBe(true);
    expect(matchesPattern(event, { 'detail-type': [{ 'anything-but': ['OrderCompleted'] }] })).toBe(false);
    expect(matchesPattern(event, { detail: { revenue: [{ numeric: ['>', 10, '<=', 42] }] } })).toBe(true);
    expect(matchesPattern(event, { detail: { revenue: [{ numeric: ['>', 42] }] } })).toBe(false);
    expect(matchesPattern(event, { detail: { orderId: [{ exists: false }] } })).toBe(true);
    expect(matchesPattern(event, { detail: { cartId: [{ exists: false }] } })).toBe(false);
  });

  it('matches an array value when any element matches', () => {
    expect(matchesPattern(event, { detail: { tags: ['vip'] } })).toBe(true);
    expect(matchesPattern(event, { detail: { tags: ['us'] } })).toBe(false);
  });

  it('matches fields inside an array of objects as EventBridge flattens them (ScoresChanged.changes)', () => {
    const scores = {
      source: 'feltfit.intelligence',
      detail: {
        changes: [
          { score: 'clv12m', from: 'low', to: 'medium' },
          { score: 'churnRisk', from: 'low', to: 'high' },
        ],
      },
    };
    expect(matchesPattern(scores, { detail: { changes: { score: ['churnRisk'], to: ['high'] } } })).toBe(
      true,
    );
    expect(matchesPattern(scores, { detail: { changes: { score: ['propensity30d'] } } })).toBe(false);
    expect(matchesPattern(scores, { detail: { changes: { to: ['low'] } } })).toBe(false);
    // Flattened: the fields may be satisfied by different elements, as in AWS.
    expect(matchesPattern(scores, { detail: { changes: { score: ['clv12m'], to: ['high'] } } })).toBe(true);
    expect(
      matchesPattern({ detail: { changes: [] } }, { detail: { changes: { score: ['churnRisk'] } } }),
    ).toBe(false);
  });

  it('supports $or across fields', () => {
    expect(matchesPattern(event, { $or: [{ source: ['x'] }, { detail: { profileId: ['p-1'] } }] })).toBe(
      true,
    );
  });

  it('matches Lambda stream filter criteria on dynamodb.NewImage attributes (exists, values)', () => {
    const record = (image: Record<string, unknown>) => ({
      eventName: 'MODIFY',
      dynamodb: { Keys: { pk: { S: 'p-1' } }, NewImage: { pk: { S: 'p-1' }, ...image } },
    });
    const withOutbox = { dynamodb: { NewImage: { outbox: [{ exists: true }] } } };
    expect(matchesPattern(record({ outbox: { L: [{ M: { id: { S: 'e-1' } } }] } }), withOutbox)).toBe(true);
    expect(matchesPattern(record({}), withOutbox)).toBe(false);
    expect(matchesPattern(record({}), { dynamodb: { NewImage: { outbox: [{ exists: false }] } } })).toBe(
      true,
    );
    expect(
      matchesPattern(record({ kind: { S: 'profile' } }), {
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: { NewImage: { kind: { S: [{ prefix: 'prof' }] } } },
      }),
    ).toBe(true);
  });
});
