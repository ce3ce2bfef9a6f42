import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { journeyStores } from '../../../shared/adapters/dynamodb/journey-wiring.js';
import { moveOnMerge } from '../../../shared/domain/journeys/resume.js';
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

const token = (profileId: string, executionId: string, cartId?: string) => ({
  profileId,
  event: 'OrderCompleted',
  ...(cartId ? { key: { property: 'cartId', value: cartId } } : {}),
  journey: 'cart-recovery',
  executionId,
  step: 'waitForOrder',
  token: `token-${executionId}`,
  until: '2026-03-02T11:00:00.000Z',
});

describe('journeys table', () => {
  it('finds waiting tokens by profile, event and key, and deletes them', async () => {
    await stores.tokens.put(token('p-1', 'exec-1', 'cart-1'));
    await stores.tokens.put(token('p-1', 'exec-2', 'cart-2'));
    await stores.tokens.put(token('p-1', 'exec-3'));
    await stores.tokens.put(token('p-2', 'exec-4', 'cart-1'));
    const found = await stores.tokens.matching('p-1', 'OrderCompleted', { cartId: 'cart-1', orderId: 'o-1' });
    expect(found.map((t) => t.executionId).sort()).toEqual(['exec-1', 'exec-3']);
    expect(found.find((t) => t.executionId === 'exec-1')).toEqual(token('p-1', 'exec-1', 'cart-1'));
    await stores.tokens.delete(found[0]!);
    const after = await stores.tokens.matching('p-1', 'OrderCompleted', { cartId: 'cart-1' });
    expect(after).toHaveLength(1);
  });

  it('keeps a waiting token’s execution start, so an event from before it does not resume the wait', async () => {
    const since = '2026-03-02T10:00:00.000Z';
    await stores.tokens.put({ ...token('p-since', 'exec-s1', 'cart-s'), since });
    expect(await stores.tokens.matching('p-since', 'OrderCompleted', { cartId: 'cart-s' })).toEqual([
      { ...token('p-since', 'exec-s1', 'cart-s'), since },
    ]);
  });

  it('moves a merged-away person’s waits to the winner and follows merge aliases (a → b → c)', async () => {
    await stores.tokens.put(token('p-loser', 'exec-m1', 'cart-9'));
    await stores.tokens.put(token('p-loser', 'exec-m2'));
    const out = await moveOnMerge(
      {
        ...stores,
        runner: { resume: async () => 'resumed' as const },
        awaitedEvents: ['OrderCompleted', 'CsatSubmitted'],
      },
      { winner: 'p-winner', loser: 'p-loser', at: '2026-03-02T10:00:00.000Z' },
    );
    expect(out).toEqual({ outcome: 'merged', moved: 2 });
    expect(await stores.tokens.waitingFor('p-loser', 'OrderCompleted')).toEqual([]);
    // Keyed or not, each wait now resumes on the winner's event.
    expect(
      (await stores.tokens.matching('p-winner', 'OrderCompleted', { cartId: 'cart-9' }))
        .map((t) => t.executionId)
        .sort(),
    ).toEqual(['exec-m1', 'exec-m2']);
    expect(await stores.aliases.mergedInto('p-loser')).toBe('p-winner');
    await stores.aliases.record('p-winner', 'p-final', '2026-03-03T10:00:00.000Z');
    expect(await stores.aliases.mergedInto('p-loser')).toBe('p-final');
    expect(await stores.aliases.mergedInto('p-final')).toBeUndefined();
  });

  it('answers whether an exit event with the same key happened since a time', async () => {
    const base = { profileId: 'p-9', event: 'OrderCompleted', facts: { revenue: 12 } };
    await stores.occurrences.record({
      ...base,
      eventId: 'e-old',
      at: '2026-03-02T09:00:00Z',
      keys: { cartId: 'cart-1' },
    });
    await stores.occurrences.record({
      ...base,
      eventId: 'e-other',
      at: '2026-03-02T10:30:00Z',
      keys: { cartId: 'cart-2' },
    });
    const since = '2026-03-02T10:00:00.000Z';
    const key = { property: 'cartId', value: 'cart-1' };
    expect(await stores.occurrences.occurredSince('p-9', 'OrderCompleted', key, since)).toBeUndefined();
    await stores.occurrences.record({
      ...base,
      eventId: 'e-new',
      at: '2026-03-02T10:45:00Z',
      keys: { cartId: 'cart-1' },
    });
    expect(await stores.occurrences.occurredSince('p-9', 'OrderCompleted', key, since)).toEqual({
      ...base,
      eventId: 'e-new',
      at: '2026-03-02T10:45:00.000Z',
      keys: { cartId: 'cart-1' },
    });
    expect((await stores.occurrences.occurredSince('p-9', 'OrderCompleted', undefined, since))?.eventId).toBe(
      'e-other',
    );
  });

  it('counts exposures and conversions atomically under concurrency', async () => {
    await Promise.all([
      ...Array.from({ length: 20 }, () => stores.bandit.recordExposure('win-back', 'chooseAction', 'v1')),
      ...Array.from({ length: 3 }, () => stores.bandit.recordConversion('win-back', 'chooseAction', 'v1')),
      stores.bandit.recordExposure('win-back', 'chooseAction', 'v2'),
    ]);
    expect(await stores.bandit.get('win-back', 'chooseAction')).toEqual({
      v1: { exposures: 20, conversions: 3 },
      v2: { exposures: 1, conversions: 0 },
    });
  });

  it('keeps decision explanations by profile, newest first', async () => {
    for (const [id, at] of [
      ['d-1', '2026-03-01T10:00:00Z'],
      ['d-2', '2026-03-02T10:00:00Z'],
    ] as const) {
      await stores.decisions.record({
        decisionId: id,
        profileId: 'p-5',
        journey: 'win-back',
        step: 'chooseAction',
        executionId: 'exec',
        at,
        explanation: {
          chosen: { candidate: 'nothing', samples: { a: 0.25 } },
          candidates: [{ id: 'x', reasons: ['bad_experience'] }],
        },
      });
    }
    const list = await stores.decisions.listByProfile('p-5', 10);
    expect(list.map((d) => d.decisionId)).toEqual(['d-2', 'd-1']);
    expect(list[0]!.explanation).toEqual({
      chosen: { candidate: 'nothing', samples: { a: 0.25 } },
      candidates: [{ id: 'x', reasons: ['bad_experience'] }],
    });
  });

  it('records assignments once per execution name, including control members', async () => {
    const a = {
      journey: 'cart-recovery',
      executionName: 'cart-recovery-abc',
      profileId: 'p-1',
      entryKey: 'cart-1',
      arm: 'control',
      reason: 'global_control',
      experiment: null,
      started: false,
      at: '2026-03-02T10:00:00.000Z',
    };
    await stores.assignments.record(a);
    await stores.assignments.record(a);
    expect(await stores.assignments.list('cart-recovery')).toEqual([a]);
  });
});
