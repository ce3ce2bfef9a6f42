import { describe, expect, it } from 'vitest';
import { defaultProfilesConfig as config } from '../../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { contactOf, featuresOf, hasConsent } from '../../../shared/domain/profiles/features.js';
import { applyEvent, emptyState, type ProfileState } from '../../../shared/domain/profiles/state.js';
import { at, msg, track } from './support.js';

const project = (...events: NormalisedMessage[]): ProfileState =>
  events.reduce((s, e) => applyEvent(s, e, config).profile, emptyState());

describe('profile features', () => {
  it('summarises purchases by order id, distinct days and refunds', () => {
    const state = project(
      track('Order Completed', { order_id: 'o1', revenue: 30 }, { timestamp: at(0) }),
      track('Order Completed', { orderId: 'o2', total: 10 }, { timestamp: at(60 * 24) }),
      track(
        'Order Completed',
        { order_id: 'o3', products: [{ product_id: 'p', price: 5, quantity: 2 }] },
        { timestamp: at(60 * 24 + 5) },
      ),
      track('Order Refunded', { order_id: 'o1' }, { timestamp: at(60 * 48) }),
    );
    expect(featuresOf(state).purchases).toEqual({
      firstPurchaseDay: '2024-05-01',
      lastPurchaseDay: '2024-05-02',
      distinctPurchaseDays: 2,
      orderCount: 3,
      totalRevenue: 50,
      averageOrderValue: 16.67,
      refundCount: 1,
      refundAmount: 30,
    });
  });

  it('keeps the current cart and clears it when the order for that cart completes', () => {
    const adding = project(
      track(
        'Product Added',
        { cart_id: 'c1', product_id: 'p1', price: 10, quantity: 2 },
        { timestamp: at(0) },
      ),
      track('Product Added', { cart_id: 'c1', product_id: 'p2', price: 5 }, { timestamp: at(1) }),
      track('Product Removed', { cart_id: 'c1', product_id: 'p2' }, { timestamp: at(2) }),
    );
    expect(featuresOf(adding).cart).toEqual({
      cartId: 'c1',
      items: [{ productId: 'p1', price: 10, quantity: 2 }],
      value: 20,
      updatedAt: at(2),
    });
    const ordered = applyEvent(
      adding,
      track('Order Completed', { order_id: 'o1', cart_id: 'c1', revenue: 20 }, { timestamp: at(3) }),
      config,
    );
    expect(featuresOf(ordered.profile).cart).toBeUndefined();
  });

  it('lets a later Cart Viewed listing replace earlier adds', () => {
    const state = project(
      track('Product Added', { cart_id: 'c1', product_id: 'p1', price: 10 }, { timestamp: at(0) }),
      track(
        'Cart Viewed',
        { cart_id: 'c1', products: [{ product_id: 'p9', price: 3, quantity: 1 }] },
        { timestamp: at(1) },
      ),
    );
    expect(featuresOf(state).cart?.items.map((i) => i.productId)).toEqual(['p9']);
  });

  it('lists recently viewed products newest first, support, scores, channels and hesitation', () => {
    const state = project(
      track('Product Viewed', { product_id: 'p1', category: 'shoes' }, { timestamp: at(0) }),
      track('Product Viewed', { product_id: 'p2', category: 'hats' }, { timestamp: at(1) }),
      track('Ticket Opened', { ticket_id: 't1' }, { timestamp: at(2) }),
      track('Ticket Opened', { ticket_id: 't2' }, { timestamp: at(2) }),
      track('Ticket Resolved', { ticket_id: 't1' }, { timestamp: at(3) }),
      track('NPS Submitted', { score: 9 }, { timestamp: at(4) }),
      track('NPS Submitted', { score: 11 }, { timestamp: at(5) }),
      msg({
        type: 'page',
        name: 'Shipping & returns',
        timestamp: at(6),
        context: { timezone: 'Europe/Berlin', locale: 'de-DE' },
      }),
      msg({ type: 'screen', name: 'Home', timestamp: at(7) }),
      track('Email Opened', {}, { timestamp: at(8) }),
      track('Products Searched', { query: 'Discount code?' }, { timestamp: at(9) }),
    );
    const f = featuresOf(state);
    expect(f.recentlyViewedProducts).toEqual(['p2', 'p1']);
    expect(f.recentlyViewedCategories).toEqual(['hats', 'shoes']);
    expect(f.support).toEqual({ openTickets: 1, lastResolvedAt: at(3) });
    expect(f.nps).toEqual({ score: 9, at: at(4) });
    expect(f.lastSeenByChannel).toEqual({ web: at(6), mobile: at(7), email: at(8) });
    expect(f.timezone).toBe('Europe/Berlin');
    expect(f.locale).toBe('de-DE');
    expect(f.hesitation).toEqual({ shippingViewed: at(6), couponSearched: at(9) });
  });

  it('uses event time, not arrival order, for the latest trait value', () => {
    const later = msg({ type: 'identify', traits: { plan: 'pro' }, timestamp: at(10) });
    const earlier = msg({ type: 'identify', traits: { plan: 'free' }, timestamp: at(1) });
    expect(project(later, earlier).traits.plan?.v).toBe('pro');
  });

  it('drops undeclared or malformed traits and reports their names', () => {
    const applied = applyEvent(
      emptyState(),
      msg({
        type: 'identify',
        traits: { firstName: 'Ann', shoeSize: 42, email: 'not an email', emailOptIn: true },
      }),
      config,
    );
    expect(Object.keys(applied.profile.traits)).toEqual(['firstName']);
    expect(applied.droppedTraits).toEqual(['shoeSize', 'email']);
  });

  it('keeps contact addresses normalised, out of the features', () => {
    const state = project(
      msg({ type: 'identify', traits: { email: ' Ann@Example.COM ', phone: '(415) 555-0100' } }),
    );
    expect(contactOf(state)).toMatchObject({ email: 'ann@example.com', phone: '+14155550100' });
    expect(JSON.stringify(featuresOf(state))).not.toContain('example.com');
  });
});

describe('consent', () => {
  it('takes consent from the consent event, context and traits, latest event time winning', () => {
    const state = project(
      track(
        'Segment Consent Preference Updated',
        {},
        { timestamp: at(0), context: { consent: { categoryPreferences: { email: true, sms: true } } } },
      ),
      msg({ type: 'identify', traits: { smsOptIn: false }, timestamp: at(5) }),
      msg({
        type: 'page',
        timestamp: at(3),
        context: { consent: { categoryPreferences: { push: true, Analytics: true } } },
      }),
    );
    expect(hasConsent(state, 'email', 'marketing')).toBe(true);
    expect(hasConsent(state, 'sms', 'marketing')).toBe(false);
    expect(hasConsent(state, 'push', 'marketing')).toBe(true);
    expect(hasConsent(state, 'inApp', 'marketing')).toBe(false);
  });

  it('needs no marketing consent for transactional messages', () => {
    expect(hasConsent(emptyState(), 'email', 'transactional')).toBe(true);
    expect(hasConsent(emptyState(), 'email', 'marketing')).toBe(false);
  });
});
