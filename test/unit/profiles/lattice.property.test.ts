import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProfilesConfig } from '../../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { featuresOf } from '../../../shared/domain/profiles/features.js';
import {
  applyEvent,
  emptyState,
  mergeProfiles,
  type ProfileState,
} from '../../../shared/domain/profiles/state.js';

// Small bounds so that truncation of the bounded fields is exercised too.
const config = ProfilesConfig.parse({ recentlyViewedLimit: 2, pushTokenLimit: 2, cartLimit: 10 });

const minute = fc.integer({ min: 0, max: 6 }); // few distinct times → many ties on event time
const product = fc.constantFrom('p1', 'p2', 'p3', 'p4');
const cart = fc.constantFrom('c1', 'c2', undefined);
const order = fc.constantFrom('o1', 'o2', 'o3');
const ticket = fc.constantFrom('t1', 't2');
const bool = fc.boolean();

const body: fc.Arbitrary<Partial<NormalisedMessage>> = fc.oneof(
  fc.record({
    type: fc.constant('identify' as const),
    traits: fc.record({
      firstName: fc.constantFrom('Ann', 'Bo'),
      plan: fc.constantFrom('free', 'pro'),
      email: fc.constantFrom('A@X.COM ', 'b@x.com'),
      shoeSize: fc.constant(42),
      emailOptIn: bool,
    }),
  }),
  fc.record({ type: fc.constant('page' as const), name: fc.constantFrom('Shipping info', 'Home') }),
  fc.record({ type: fc.constant('screen' as const), name: fc.constant('Home') }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constantFrom('Product Added', 'Product Removed'),
    properties: fc.record({
      product_id: product,
      cart_id: cart,
      price: fc.constantFrom(5, 10),
      quantity: fc.constantFrom(1, 2),
    }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constantFrom('Cart Viewed', 'Checkout Started'),
    properties: fc.record({
      cart_id: cart,
      products: fc.array(
        fc.record({ product_id: product, price: fc.constantFrom(5, 10), quantity: fc.constant(1) }),
        {
          maxLength: 3,
        },
      ),
    }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constant('Order Completed'),
    properties: fc.record({ order_id: order, cart_id: cart, revenue: fc.constantFrom(20, 35.5) }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constant('Order Refunded'),
    properties: fc.record({ order_id: order }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constantFrom('Ticket Opened', 'Ticket Resolved'),
    properties: fc.record({ ticket_id: ticket }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constantFrom('NPS Submitted', 'CSAT Submitted'),
    properties: fc.record({ score: fc.integer({ min: 0, max: 5 }) }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constantFrom('Product Viewed', 'Product List Viewed'),
    properties: fc.record({ product_id: product, category: fc.constantFrom('shoes', 'hats', 'bags') }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constantFrom('Size Guide Viewed', 'Price Watch Added', 'Email Opened'),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constant('Products Searched'),
    properties: fc.record({ query: fc.constantFrom('promo code', 'red shoes') }),
  }),
  fc.record({
    type: fc.constant('track' as const),
    event: fc.constant('Segment Consent Preference Updated'),
    context: fc.record({
      consent: fc.record({ categoryPreferences: fc.record({ email: bool, sms: bool }) }),
    }),
  }),
);

const context = fc.record(
  {
    timezone: fc.constantFrom('Europe/Berlin', 'America/New_York'),
    locale: fc.constantFrom('de-DE', 'en-US'),
    device: fc.record({
      token: fc.constantFrom('tok-a', 'tok-b', 'tok-c'),
      type: fc.constantFrom('ios', 'android'),
    }),
  },
  { requiredKeys: [] },
);

/** A person's events: distinct messageIds, each with one fixed content. */
const events = fc.array(fc.tuple(body, minute, context), { minLength: 1, maxLength: 25 }).map((list) =>
  list.map(([b, m, ctx], i): NormalisedMessage => {
    const ts = new Date(Date.parse('2024-05-01T10:00:00.000Z') + m * 60_000).toISOString();
    return {
      messageId: `m${i}`,
      userId: 'u1',
      timestamp: ts,
      receivedAt: ts,
      sourceId: 'web',
      ...b,
      context: { ...ctx, ...(b.context ?? {}) },
    } as NormalisedMessage;
  }),
);

const project = (list: readonly NormalisedMessage[]): ProfileState =>
  list.reduce((state, e) => applyEvent(state, e, config).profile, emptyState());

/** A random reordering of the list with some events repeated. */
const shuffledWithRepeats = (list: NormalisedMessage[]) =>
  fc.array(fc.nat({ max: list.length - 1 }), { maxLength: list.length }).chain((repeats) =>
    fc.shuffledSubarray([...list, ...repeats.map((i) => list[i]!)], {
      minLength: list.length + repeats.length,
    }),
  );

describe('profile state lattice', () => {
  it('gives the same profile whatever the order of the events and however often they repeat', () => {
    fc.assert(
      fc.property(
        events.chain((list) => fc.tuple(fc.constant(list), shuffledWithRepeats(list))),
        ([list, replayed]) => {
          const a = project(list);
          const b = project(replayed);
          expect(b).toEqual(a);
          expect(featuresOf(b)).toEqual(featuresOf(a));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('merges two profiles into the profile of the union of their events', () => {
    fc.assert(
      fc.property(events, events, fc.nat(), (xs, ys, cut) => {
        // Rename the second list's messages, and let the two share a few events.
        const mine = ys.map((e) => ({ ...e, messageId: `y${e.messageId}` }));
        const shared = xs.slice(0, cut % (xs.length + 1));
        const a = project([...xs]);
        const b = project([...shared, ...mine]);
        expect(mergeProfiles(a, b, config)).toEqual(project([...xs, ...mine]));
        expect(mergeProfiles(a, b, config)).toEqual(mergeProfiles(b, a, config));
        expect(mergeProfiles(a, a, config)).toEqual(a);
      }),
      { numRuns: 200 },
    );
  });

  it('reports no changes when an event is applied again', () => {
    fc.assert(
      fc.property(events, (list) => {
        const state = project(list);
        for (const e of list) expect(applyEvent(state, e, config).changes).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
