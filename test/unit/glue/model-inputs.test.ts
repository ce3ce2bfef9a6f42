import { describe, expect, it } from 'vitest';
import {
  behaviourEventsOf,
  cohortTraitsOf,
  propensityFeaturesOf,
  purchaseSummaryOf,
} from '../../../shared/adapters/profiles/model-inputs.js';
import {
  type BehaviourEvent,
  PROPENSITY_FEATURES,
  propensityFeatures,
} from '../../../shared/domain/models/propensity.js';
import { ev, stateOf } from './support.js';

const order = (day: string, orderId: string, revenue: number, extra: Record<string, unknown> = {}) =>
  ev(`${day}T12:00:00.000Z`, {
    event: 'Order Completed',
    properties: { order_id: orderId, revenue, ...extra },
  });
const view = (at: string, productId: string) =>
  ev(at, { event: 'Product Viewed', properties: { product_id: productId } });

const history = [
  order('2024-01-01', 'o1', 50),
  order('2024-02-10', 'o2', 30),
  order('2024-02-10', 'o3', 20),
  view('2024-03-01T09:00:00.000Z', 'p1'),
  view('2024-03-05T09:00:00.000Z', 'p2'),
  ev('2024-03-06T09:00:00.000Z', {
    event: 'Product Added',
    properties: { cart_id: 'c1', product_id: 'p3', price: 15, quantity: 2 },
  }),
  ev('2024-03-07T09:00:00.000Z', { event: 'Ticket Opened', properties: { ticket_id: 't1' } }),
  order('2024-04-15', 'o4', 40),
];
const CUTOFF = Date.parse('2024-03-10T00:00:00.000Z');
const t = (iso: string) => Date.parse(iso);

describe('purchaseSummaryOf', () => {
  it('counts the orders of one day as one transaction and the first day out of repeat spend', () => {
    expect(purchaseSummaryOf(stateOf(history), '2024-02-10')).toEqual({
      firstPurchaseDay: '2024-01-01',
      lastPurchaseDay: '2024-02-10',
      distinctPurchaseDays: 2,
      repeatSpend: 50,
    });
  });

  it('ignores orders after the calibration end', () => {
    expect(purchaseSummaryOf(stateOf(history), '2024-01-31')).toEqual({
      firstPurchaseDay: '2024-01-01',
      lastPurchaseDay: '2024-01-01',
      distinctPurchaseDays: 1,
      repeatSpend: 0,
    });
  });

  it('is undefined for a profile that had not bought by then', () => {
    expect(purchaseSummaryOf(stateOf(history), '2023-12-31')).toBeUndefined();
    expect(
      purchaseSummaryOf(stateOf([view('2024-03-01T09:00:00.000Z', 'p1')]), '2024-12-31'),
    ).toBeUndefined();
  });
});

describe('propensityFeaturesOf', () => {
  it('computes the same features as the raw behaviour when the state has lost nothing', () => {
    const raw: BehaviourEvent[] = [
      { profileId: 'x', type: 'purchase', at: t('2024-01-01T12:00:00.000Z'), value: 50 },
      { profileId: 'x', type: 'purchase', at: t('2024-02-10T12:00:00.000Z'), value: 30 },
      { profileId: 'x', type: 'purchase', at: t('2024-02-10T12:00:00.000Z'), value: 20 },
      { profileId: 'x', type: 'view', at: t('2024-03-01T09:00:00.000Z') },
      { profileId: 'x', type: 'view', at: t('2024-03-05T09:00:00.000Z') },
      { profileId: 'x', type: 'add_to_cart', at: t('2024-03-06T09:00:00.000Z'), value: 30 },
      { profileId: 'x', type: 'ticket_opened', at: t('2024-03-07T09:00:00.000Z') },
      { profileId: 'x', type: 'purchase', at: t('2024-04-15T12:00:00.000Z'), value: 40 },
    ];
    const expected = propensityFeatures(raw, CUTOFF);
    const features = propensityFeaturesOf(stateOf(history), CUTOFF)!;
    expect(Object.keys(features)).toEqual([...PROPENSITY_FEATURES]);
    for (const [i, name] of PROPENSITY_FEATURES.entries()) {
      expect(features[name]).toBeCloseTo(expected[i]!, 12);
    }
  });

  it('sees nothing that happened at or after the cutoff', () => {
    const before = propensityFeaturesOf(stateOf(history.slice(0, 7)), CUTOFF);
    expect(propensityFeaturesOf(stateOf(history), CUTOFF)).toEqual(before);
  });

  it('empties the cart value with a later purchase', () => {
    const state = stateOf([
      ev('2024-03-01T09:00:00.000Z', {
        event: 'Product Added',
        properties: { cart_id: 'c1', product_id: 'p3', price: 15, quantity: 1 },
      }),
      order('2024-03-02', 'o9', 15, { cart_id: 'c1' }),
    ]);
    expect(propensityFeaturesOf(state, CUTOFF)?.log_cart_value).toBe(0);
  });

  it('treats a removed cart line as gone', () => {
    const state = stateOf([
      ev('2024-03-01T09:00:00.000Z', {
        event: 'Product Added',
        properties: { product_id: 'p3', price: 15, quantity: 1 },
      }),
      ev('2024-03-01T10:00:00.000Z', { event: 'Product Removed', properties: { product_id: 'p3' } }),
    ]);
    expect(propensityFeaturesOf(state, CUTOFF)?.log_cart_value).toBe(0);
  });

  it('counts an email open or click in the 30 days before as engagement', () => {
    const engaged = stateOf([ev('2024-03-01T09:00:00.000Z', { event: 'Email Opened' })]);
    const quiet = stateOf([view('2024-03-01T09:00:00.000Z', 'p1')]);
    expect(propensityFeaturesOf(engaged, CUTOFF)?.email_engagement_30d).toBe(1);
    expect(propensityFeaturesOf(quiet, CUTOFF)?.email_engagement_30d).toBe(0.5);
  });

  it('counts a product viewed both before and after the cutoff at its latest view only (documented loss)', () => {
    const state = stateOf([view('2024-03-05T09:00:00.000Z', 'p1'), view('2024-03-12T09:00:00.000Z', 'p1')]);
    expect(propensityFeaturesOf(state, CUTOFF)?.log_views_7d).toBe(0);
    expect(propensityFeaturesOf(state, t('2024-03-13T00:00:00.000Z'))?.log_views_7d).toBeCloseTo(Math.log(2));
  });

  it('is undefined for a profile first seen at or after the cutoff', () => {
    expect(propensityFeaturesOf(stateOf([order('2024-03-20', 'o1', 10)]), CUTOFF)).toBeUndefined();
  });
});

describe('behaviourEventsOf', () => {
  it('lists resolved tickets as opened then closed', () => {
    const state = stateOf([
      ev('2024-03-01T09:00:00.000Z', { event: 'Ticket Opened', properties: { ticket_id: 't1' } }),
      ev('2024-03-02T09:00:00.000Z', { event: 'Ticket Resolved', properties: { ticket_id: 't1' } }),
    ]);
    expect(behaviourEventsOf('pf', state).map((e) => e.type)).toEqual(['ticket_opened', 'ticket_closed']);
    expect(propensityFeaturesOf(state, CUTOFF)?.open_tickets).toBe(0);
  });
});

describe('cohortTraitsOf', () => {
  it('returns only the named traits, as strings', () => {
    const state = stateOf([
      ev('2024-03-01T09:00:00.000Z', { type: 'identify', traits: { email: 'a@b.co', plan: 'pro' } }),
    ]);
    expect(cohortTraitsOf(state, ['plan', 'region'])).toEqual({ plan: 'pro', region: undefined });
  });
});
