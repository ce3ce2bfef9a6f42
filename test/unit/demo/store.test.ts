import { describe, expect, it } from 'vitest';
import { defaultProfilesConfig } from '../../../shared/config/profiles.js';
import { CATALOGUE } from '../../../shared/domain/demo/catalogue.js';
import {
  CDNOW_BGNBD_DAYS,
  CDNOW_GAMMA_GAMMA,
  DAY_MS,
  DemoOptions,
  expectedOrderValue,
} from '../../../shared/domain/demo/people.js';
import {
  BAD_KINDS,
  badCount,
  CONSENT_EVENT,
  type DemoChunk,
  demoStream,
  personEvents,
} from '../../../shared/domain/demo/store.js';
import { ingest } from '../../../shared/domain/ingest/ingest.js';
import { LIMITS } from '../../../shared/domain/ingest/limits.js';
import { MESSAGE_SCHEMAS, type MessageType } from '../../../shared/domain/ingest/schemas.js';
import { expectedTransactionsNewCustomer } from '../../../shared/domain/models/bgnbd.js';
import { featuresOf } from '../../../shared/domain/profiles/features.js';
import { applyEvent, emptyState } from '../../../shared/domain/profiles/state.js';
import { basicAuth, memoryDeps } from '../ingest/support.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const options = (overrides: Partial<DemoOptions> = {}) => DemoOptions.parse({ now: NOW, ...overrides });
const all = (o: DemoOptions): DemoChunk[] => [...demoStream(o)];
const goodMessages = (chunks: DemoChunk[]) => chunks.flatMap((c) => (c.kind === 'person' ? c.messages : []));
const tracks = (chunks: DemoChunk[], event: string) =>
  goodMessages(chunks).filter((m) => m.type === 'track' && m.event === event);

describe('the catalogue', () => {
  it('has a few hundred products with unique ids and skus and shop prices', () => {
    expect(CATALOGUE.length).toBeGreaterThan(250);
    expect(CATALOGUE.length).toBeLessThan(500);
    expect(new Set(CATALOGUE.map((p) => p.productId)).size).toBe(CATALOGUE.length);
    expect(new Set(CATALOGUE.map((p) => p.sku)).size).toBe(CATALOGUE.length);
    expect(new Set(CATALOGUE.map((p) => p.name)).size).toBe(CATALOGUE.length);
    expect(CATALOGUE.every((p) => p.price >= 3 && p.price <= 90)).toBe(true);
  });
});

describe('determinism', () => {
  it('gives byte-identical output for the same seed, window and clock', () => {
    const a = JSON.stringify(all(options({ people: 300, seed: 'knit' })));
    const b = JSON.stringify(all(options({ people: 300, seed: 'knit' })));
    expect(a).toBe(b);
  });

  it('gives different output for a different seed', () => {
    const a = personEvents(options({ seed: 'knit' }), 1).messages;
    const b = personEvents(options({ seed: 'purl' }), 1).messages;
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
  });

  it('generates a person the same whether the run has 10 or 10,000 people', () => {
    expect(personEvents(options({ people: 10 }), 7)).toEqual(personEvents(options({ people: 10_000 }), 7));
  });
});

describe('timestamps', () => {
  it('spread over the last D days and end at now', () => {
    const chunks = all(options({ people: 500, days: 30 }));
    const times = goodMessages(chunks).map((m) => Date.parse(String(m.timestamp)));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(NOW - 30 * DAY_MS);
    expect(Math.max(...times)).toBeLessThanOrEqual(NOW);
    // Something happened in the last day, so journeys triggered by the latest events are current.
    expect(times.filter((t) => t > NOW - DAY_MS).length).toBeGreaterThan(10);
  });

  it('are in time order within a person, with unique message ids', () => {
    const chunks = all(options({ people: 200 }));
    for (const c of chunks.filter((c) => c.kind === 'person')) {
      const times = c.messages.map((m) => String(m.timestamp));
      expect(times).toEqual([...times].sort());
    }
    const ids = chunks.flatMap((c) => c.messages.map((m) => m.messageId));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('buying follows BG/NBD and Gamma-Gamma with the CDNOW parameters', () => {
  const chunks = all(options({ people: 5_000, seed: 'statistics' }));
  const customers = chunks.flatMap((c) => (c.kind === 'person' && c.person.purchases ? [c.person] : []));

  it('makes about 60% of people customers', () => {
    expect(customers.length / 5_000).toBeGreaterThan(0.57);
    expect(customers.length / 5_000).toBeLessThan(0.63);
  });

  it('gives a mean number of repeat purchases within 15% of E[X(t)] for each customer’s time since the first order', () => {
    const observed = customers.reduce((s, p) => s + p.purchases!.repeatOrderAts.length, 0) / customers.length;
    const expected =
      customers.reduce(
        (s, p) =>
          s + expectedTransactionsNewCustomer(CDNOW_BGNBD_DAYS, (NOW - p.purchases!.firstOrderAt) / DAY_MS),
        0,
      ) / customers.length;
    expect(expected).toBeGreaterThan(0.2);
    expect(Math.abs(observed / expected - 1)).toBeLessThan(0.15);
  });

  it('posts one Order Completed per planned order, with a mean revenue within 10% of pγ/(q − 1)', () => {
    const orders = tracks(chunks, 'Order Completed');
    const planned = customers.reduce((s, p) => s + p.purchases!.orderValues.length, 0);
    expect(orders.length).toBe(planned);
    const revenues = orders.map((o) => (o.properties as { revenue: number }).revenue);
    const mean = revenues.reduce((s, r) => s + r, 0) / revenues.length;
    expect(expectedOrderValue(CDNOW_GAMMA_GAMMA)).toBeCloseTo(35.22, 1);
    expect(Math.abs(mean / expectedOrderValue(CDNOW_GAMMA_GAMMA) - 1)).toBeLessThan(0.1);
  });
});

describe('the funnel', () => {
  const chunks = all(options({ people: 1_000 }));
  const count = (event: string) => tracks(chunks, event).length;

  it('narrows from views to carts to checkouts to orders: most carts and checkouts are abandoned', () => {
    expect(count('Product Viewed')).toBeGreaterThan(count('Product Added'));
    expect(count('Product Added')).toBeGreaterThan(count('Checkout Started'));
    expect(count('Checkout Started')).toBeGreaterThan(count('Order Completed') * 1.3);
    expect(count('Products Searched')).toBeGreaterThan(0);
  });

  it('has refunds, tickets, CSAT and NPS, and the hesitation signals cart recovery reads', () => {
    for (const event of [
      'Order Refunded',
      'Ticket Opened',
      'Ticket Resolved',
      'CSAT Submitted',
      'NPS Submitted',
      'Size Guide Viewed',
      'Price Watch Added',
    ]) {
      expect(count(event), event).toBeGreaterThan(0);
    }
    const shipping = goodMessages(chunks).filter((m) => m.type === 'page' && m.name === 'Shipping');
    expect(shipping.length).toBeGreaterThan(0);
  });

  it('closes each order’s cart: the order carries the cart id its checkout started', () => {
    const checkouts = new Set(tracks(chunks, 'Checkout Started').map((m) => (m.properties as any).cart_id));
    for (const o of tracks(chunks, 'Order Completed'))
      expect(checkouts).toContain((o.properties as any).cart_id);
  });
});

describe('people and consent', () => {
  const chunks = all(options({ people: 2_000 }));
  const people = chunks.flatMap((c) => (c.kind === 'person' ? [c] : []));
  const identified = people.filter((p) => p.person.signUpAt !== undefined);

  it('identifies people with an email, a first name and sometimes an E.164 phone', () => {
    const identify = personEvents(options(), identified[0]!.person.index).messages.find(
      (m) => m.type === 'identify',
    )!;
    expect(identify.traits).toMatchObject({
      email: `person-${identified[0]!.person.index}@demo.feltfit.test`,
      firstName: expect.any(String),
    });
    const phones = identified.flatMap((p) => (p.person.phone ? [p.person.phone] : []));
    expect(phones.length / identified.length).toBeGreaterThan(0.3);
    for (const phone of phones) expect(phone).toMatch(/^\+1555\d{7}$/);
  });

  it('browses anonymously before identifying for some, and never identifies for a few', () => {
    const anonymousFirst = identified.filter((p) => p.messages[0]!.userId === undefined);
    expect(anonymousFirst.length / identified.length).toBeGreaterThan(0.3);
    const identify = anonymousFirst[0]!.messages.find((m) => m.type === 'identify')!;
    expect(identify.anonymousId).toBe(anonymousFirst[0]!.messages[0]!.anonymousId);
    const visitors = people.filter((p) => p.person.signUpAt === undefined);
    expect(visitors.length).toBeGreaterThan(100);
    expect(visitors.every((v) => v.messages.every((m) => m.userId === undefined))).toBe(true);
  });

  it('grants marketing email for most, SMS for some, and has withdrawals and unsubscribes', () => {
    const consents = people.flatMap((p) =>
      p.messages.filter((m) => m.type === 'track' && m.event === CONSENT_EVENT),
    );
    const prefs = consents.map(
      (m) => (m.context as any).consent.categoryPreferences as Record<string, boolean>,
    );
    const emailGrants = prefs.filter((p) => p.email === true).length;
    expect(emailGrants / identified.length).toBeGreaterThan(0.75);
    expect(prefs.filter((p) => p.sms === true).length).toBeGreaterThan(100);
    const withdrawals = prefs.filter((p) => Object.keys(p).length === 1 && Object.values(p)[0] === false);
    expect(withdrawals.length).toBeGreaterThan(20);
    const unsubscribes = people.flatMap((p) =>
      p.messages.filter((m) => m.type === 'identify' && (m.traits as any).emailOptIn === false),
    );
    expect(unsubscribes.length).toBeGreaterThan(20);
  });
});

describe('what the ingest and the projector make of it', () => {
  const o = options({ people: 400 });
  const chunks = all(o);

  it('passes the ingest’s own message schema for every good message, each under the size limit', () => {
    for (const m of goodMessages(chunks)) {
      const parsed = MESSAGE_SCHEMAS[m.type as MessageType].safeParse(m);
      expect(parsed.success, JSON.stringify(m)).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThan(LIMITS.messageBytes);
    }
  });

  it('mixes in one bad message of each kind per thousand people, and the ingest quarantines exactly those', async () => {
    const bad = chunks.filter((c) => c.kind === 'bad');
    expect(bad.map((c) => c.badKind)).toEqual([...BAD_KINDS]);
    expect(badCount(2_000)).toBe(2 * BAD_KINDS.length);
    const some = goodMessages(chunks.slice(0, 60));
    const batch = [...some, ...bad.flatMap((c) => c.messages)];
    const { deps, quarantine } = memoryDeps();
    const out = await ingest(deps, 'batch', {
      body: JSON.stringify({ batch }),
      headers: { authorization: basicAuth() },
    });
    const badIds = bad.map((c) => c.messages[0]!.messageId);
    expect(out.accepted).toBe(batch.length - bad.length);
    expect(out.rejected.map((r) => r.messageId)).toEqual(badIds);
    expect(out.rejected.map((r) => r.code)).toContain('message_too_large');
    expect(quarantine.entries).toHaveLength(bad.length);
  });

  it('projects to profiles whose orders and email consent are what the person did', async () => {
    const people = chunks.flatMap((c) => (c.kind === 'person' && c.person.purchases ? [c] : [])).slice(0, 40);
    const { deps, events } = memoryDeps();
    await ingest(deps, 'batch', {
      body: JSON.stringify({ batch: people.flatMap((p) => p.messages) }),
      headers: { authorization: basicAuth() },
    });
    for (const { person } of people) {
      const mine = events.all.filter(
        (e) => e.userId === person.userId || e.anonymousId === person.anonymousId,
      );
      const state = mine.reduce((s, e) => applyEvent(s, e, defaultProfilesConfig).profile, emptyState());
      const features = featuresOf(state);
      expect(features.purchases.orderCount).toBe(person.purchases!.orderValues.length);
      expect(features.timezone).toBe(person.timezone);
      const c = person.consent!;
      const emailNow = c.email && c.withdrawal?.channel !== 'email' && c.unsubscribeAt === undefined;
      expect(features.consent['email:marketing'], person.userId).toBe(emailNow);
    }
  });
});
