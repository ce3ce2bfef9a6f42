import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProfilesConfig } from '../../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { grantsConsent } from '../../../shared/domain/profiles/consent.js';
import { type ProjectionInput, projectEvents } from '../../../shared/domain/profiles/project.js';
import type { OutboxEvent } from '../../../shared/ports/domain-events.js';
import { testHasher } from '../../support/hasher.js';
import { MemoryProfileStore } from './memory-store.js';

// Tight limits so refused merges and identifier limits are exercised; small bounds for truncation.
const config = ProfilesConfig.parse({
  identifierLimits: { userId: 1, email: 1, phone: 3, deviceId: 20, anonymousId: 3 },
  recentlyViewedLimit: 2,
  cartLimit: 3,
});

const user = fc.constantFrom('u0', 'u1', 'u2');
const anon = fc.constantFrom('a0', 'a1', 'a2', 'a3', 'a4', 'a5');
const email = fc.constantFrom('e0@x.com', 'e1@x.com');
const order = fc.constantFrom('o1', 'o2', 'o3');
const bool = fc.boolean();
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** Message bodies of a multi-person, multi-identifier workload. */
const body: fc.Arbitrary<Partial<NormalisedMessage>> = fc.oneof(
  fc.record({
    type: fc.constant('page' as const),
    anonymousId: anon,
    name: fc.constantFrom('Home', 'Shipping'),
  }),
  fc.record({
    type: fc.constant('identify' as const),
    userId: maybe(user),
    anonymousId: maybe(anon),
    traits: fc.record(
      { email, firstName: fc.constantFrom('Ann', 'Bo'), emailOptIn: bool, shoeSize: fc.constant(42) },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ type: fc.constant('alias' as const), userId: user, previousId: fc.oneof(anon, user) }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constant('Product Viewed'),
    anonymousId: anon,
    userId: maybe(user),
    properties: fc.record({ product_id: fc.constantFrom('p1', 'p2', 'p3') }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constant('Order Completed'),
    userId: user,
    anonymousId: maybe(anon),
    properties: fc.record({ order_id: order, revenue: fc.constantFrom(10, 25) }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constant('Order Refunded'),
    userId: user,
    properties: fc.record({ order_id: order }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constantFrom('Ticket Opened', 'Ticket Resolved'),
    userId: user,
    properties: fc.record({ ticket_id: fc.constantFrom('t1', 't2') }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constant('Segment Consent Preference Updated'),
    userId: maybe(user),
    anonymousId: anon,
    context: fc.record({
      consent: fc.record({ categoryPreferences: fc.record({ email: bool, sms: bool }) }),
    }),
  }),
);

/** Events with distinct messageIds, few distinct times (ties), then replays of some of them. */
const workload = fc
  .array(fc.tuple(body, fc.integer({ min: 0, max: 8 })), { minLength: 1, maxLength: 30 })
  .map((list) =>
    list.map(([b, minute], i): NormalisedMessage => {
      const ts = new Date(Date.parse('2024-05-01T10:00:00.000Z') + minute * 60_000).toISOString();
      const clean = Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined));
      return {
        messageId: `m${i}`,
        timestamp: ts,
        receivedAt: ts,
        sourceId: 'web',
        ...clean,
      } as NormalisedMessage;
    }),
  )
  .chain((list) =>
    fc.array(fc.nat({ max: list.length - 1 }), { maxLength: 6 }).chain((replays) =>
      fc.shuffledSubarray([...list, ...replays.map((i) => list[i]!)], {
        minLength: list.length + replays.length,
      }),
    ),
  );

/** Cut points splitting a list into batches. */
const splits = (n: number) =>
  fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, n - 1) }), { maxLength: 8 });

function batchesOf<T>(list: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set([0, ...cuts.filter((c) => c < list.length), list.length])].sort((a, b) => a - b);
  return points.slice(1).map((end, i) => list.slice(points[i], end));
}

const inputOf = (message: NormalisedMessage, i: number): ProjectionInput => ({
  id: `${i}`,
  message,
  key: { pk: message.userId ?? message.anonymousId ?? '', sk: `M#${message.messageId}` },
});

function setup() {
  const store = new MemoryProfileStore();
  // An erased person: their events are dropped unless they grant consent.
  void store.putTombstones([{ type: 'anonymousId', value: 'a5' }]);
  const erased: string[] = [];
  const deps = {
    store,
    eraser: { deleteRawEvent: async (k: { sk: string }) => void erased.push(k.sk) },
    config,
    hasher: testHasher,
    now: () => new Date('2024-06-01T00:00:00.000Z'),
  };
  return { store, erased, deps };
}

/** What projection leaves behind, independent of how many commits it took. */
function outcome(store: MemoryProfileStore, erased: readonly string[]) {
  const events = store.outboxes.flat();
  const byId = (list: OutboxEvent[]) => [...list].sort((a, b) => a.eventId.localeCompare(b.eventId));
  return {
    profiles: Object.fromEntries(
      [...store.profiles.values()].map((p) => [p.profileId, { state: p.state, mergedInto: p.mergedInto }]),
    ),
    pointers: Object.fromEntries(store.pointers),
    consent: [...store.consent.values()].sort((a, b) => (a.messageId < b.messageId ? -1 : 1)),
    merges: [...store.merges.keys()].sort(),
    dropped: Object.fromEntries(store.dropped),
    erased: [...erased].sort(),
    events: byId(events.filter((e) => e.type !== 'ProfileUpdated')),
    updatedProfiles: [
      ...new Set(events.flatMap((e) => (e.type === 'ProfileUpdated' ? [e.profileId] : []))),
    ].sort(),
  };
}

const byTime = (a: NormalisedMessage, b: NormalisedMessage) =>
  a.timestamp.localeCompare(b.timestamp) || a.messageId.localeCompare(b.messageId);

describe('folding a batch per person', () => {
  it('leaves the same profiles, identity index, records and outbox events as projecting one event at a time', async () => {
    await fc.assert(
      fc.asyncProperty(
        workload.chain((list) => fc.tuple(fc.constant(list), splits(list.length))),
        async ([list, cuts]) => {
          const batches = batchesOf(list, cuts);
          const folded = setup();
          for (const batch of batches) {
            const report = await projectEvents(folded.deps, batch.map(inputOf));
            expect(report.failed).toEqual([]);
          }
          // The one-at-a-time order a fold follows: each batch in event-time order.
          const single = setup();
          for (const message of batches.flatMap((b) => [...b].sort(byTime))) {
            const report = await projectEvents(single.deps, [inputOf(message, 0)]);
            expect(report.failed).toEqual([]);
          }
          expect(outcome(folded.store, folded.erased)).toEqual(outcome(single.store, single.erased));
          expect(folded.store.commits).toBeLessThanOrEqual(single.store.commits);
          // An erased person's events are deleted, not projected, unless they grant consent.
          const erasedEvents = list.filter(
            (m) =>
              (m.anonymousId === 'a5' || (m.type === 'alias' && m.previousId === 'a5')) &&
              !grantsConsent(m, config),
          );
          for (const m of erasedEvents) expect(folded.erased).toContain(`M#${m.messageId}`);
          // One ProfileUpdated per commit that changed something, each with its own id.
          const updated = folded.store.outboxes.flat().filter((e) => e.type === 'ProfileUpdated');
          expect(new Set(updated.map((e) => e.eventId)).size).toBe(updated.length);
        },
      ),
      { numRuns: 300 },
    );
    // 300 runs take ~5 s on an idle core: room for a loaded 2-core CI machine.
  }, 60_000);

  it('commits once per person for a batch of one person’s browsing and buying', async () => {
    const { store, deps } = setup();
    const at = (m: number) => new Date(Date.parse('2024-05-01T10:00:00.000Z') + m * 60_000).toISOString();
    const base = (i: number) => ({
      messageId: `s${i}`,
      timestamp: at(i),
      receivedAt: at(i),
      sourceId: 'web',
    });
    const messages = [
      { ...base(0), type: 'page', anonymousId: 'a0', name: 'Home' },
      {
        ...base(1),
        type: 'track',
        event: 'Product Viewed',
        anonymousId: 'a0',
        properties: { product_id: 'p1' },
      },
      { ...base(2), type: 'identify', userId: 'u0', anonymousId: 'a0', traits: { email: 'e0@x.com' } },
      {
        ...base(3),
        type: 'track',
        event: 'Order Completed',
        userId: 'u0',
        properties: { order_id: 'o1', revenue: 5 },
      },
    ] as NormalisedMessage[];
    const report = await projectEvents(deps, messages.map(inputOf));
    expect(report).toMatchObject({ failed: [], changed: 4, commits: 1 });
    expect(store.outboxes).toHaveLength(1);
    expect(store.outboxes[0]!.map((e) => e.type).sort()).toEqual(['OrderCompleted', 'ProfileUpdated']);
  });
});
