/**
 * Features derived from profile state: what models and journeys read. Derived deterministically, so
 * equal states have equal features. Personal contact data is kept apart in `contactOf`.
 */
import type { Channel, Purpose } from '../../config/profiles.js';
import { compareStamps, type Stamp } from './lattice.js';
import {
  type CartLine,
  type CartState,
  HESITATION_SIGNALS,
  type HesitationSignal,
  type ProfileState,
  type SeenChannel,
} from './state.js';

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

export interface PurchaseSummary {
  readonly firstPurchaseDay?: string;
  readonly lastPurchaseDay?: string;
  readonly distinctPurchaseDays: number;
  readonly orderCount: number;
  readonly totalRevenue: number;
  readonly averageOrderValue: number;
  readonly refundCount: number;
  readonly refundAmount: number;
}

export interface CurrentCart {
  readonly cartId: string;
  readonly items: readonly CartLine[];
  readonly value: number;
  readonly updatedAt: string;
}

export interface ProfileFeatures {
  readonly firstSeenAt?: string;
  readonly lastSeenAt?: string;
  readonly purchases: PurchaseSummary;
  readonly cart?: CurrentCart;
  readonly checkout?: { readonly cartId?: string; readonly value?: number; readonly at: string };
  readonly recentlyViewedProducts: readonly string[];
  readonly recentlyViewedCategories: readonly string[];
  readonly support: { readonly openTickets: number; readonly lastResolvedAt?: string };
  readonly nps?: { readonly score: number; readonly at: string };
  readonly csat?: { readonly score: number; readonly at: string };
  readonly lastSeenByChannel: Readonly<Partial<Record<SeenChannel, string>>>;
  readonly timezone?: string;
  readonly locale?: string;
  readonly hesitation: Readonly<Partial<Record<HesitationSignal, string>>>;
  /** `<channel>:<purpose>` → granted. */
  readonly consent: Readonly<Record<string, boolean>>;
  readonly pushTokenCount: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

function purchases(state: ProfileState): PurchaseSummary {
  const orders = Object.values(state.orders);
  const days = [...new Set(orders.map((o) => o.v.day))].sort();
  const totalRevenue = round(orders.reduce((s, o) => s + o.v.revenue, 0));
  let refundAmount = 0;
  for (const [orderId, r] of Object.entries(state.refunds)) {
    refundAmount += r.v.amount ?? state.orders[orderId]?.v.revenue ?? 0;
  }
  return {
    ...(days.length ? { firstPurchaseDay: days[0]!, lastPurchaseDay: days[days.length - 1]! } : {}),
    distinctPurchaseDays: days.length,
    orderCount: orders.length,
    totalRevenue,
    averageOrderValue: orders.length ? round(totalRevenue / orders.length) : 0,
    refundCount: Object.keys(state.refunds).length,
    refundAmount: round(refundAmount),
  };
}

/** Lines of a cart: its last listing overlaid with later adds and removes. */
export function cartLines(cart: CartState): CartLine[] {
  const lines = new Map<string, CartLine>();
  for (const l of cart.snap?.v ?? []) lines.set(l.productId, l);
  for (const [id, r] of Object.entries(cart.lines)) {
    if (r.v === null) lines.delete(id);
    else lines.set(id, r.v);
  }
  return [...lines.values()].sort((a, b) => (a.productId < b.productId ? -1 : 1));
}

/**
 * The open cart seen last. A cart is closed by an Order Completed for it (cart_id) or by one without a
 * cart_id, when the order is not older than the cart's last activity.
 */
function currentCart(state: ProfileState): CurrentCart | undefined {
  let cartless: Stamp | undefined;
  const closedBy = new Map<string, Stamp>();
  for (const o of Object.values(state.orders)) {
    const key = o.v.cartId;
    if (key === undefined) {
      if (!cartless || compareStamps(o, cartless) > 0) cartless = o;
    } else {
      const prev = closedBy.get(key);
      if (!prev || compareStamps(o, prev) > 0) closedBy.set(key, o);
    }
  }
  let best: [string, CartState] | undefined;
  for (const [cartId, cart] of Object.entries(state.carts)) {
    const closed = [closedBy.get(cartId), cartless].some((c) => c && compareStamps(c, cart.seen) >= 0);
    if (closed) continue;
    if (!best || compareStamps(cart.seen, best[1].seen) > 0) best = [cartId, cart];
  }
  if (!best) return undefined;
  const items = cartLines(best[1]);
  if (items.length === 0) return undefined;
  return {
    cartId: best[0],
    items,
    value: round(items.reduce((s, l) => s + (l.price ?? 0) * l.quantity, 0)),
    updatedAt: new Date(best[1].seen.t).toISOString(),
  };
}

function mostRecent(map: Readonly<Record<string, number>>): string[] {
  return Object.entries(map)
    .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : 1))
    .map(([k]) => k);
}

/** The features of a profile state. */
export function featuresOf(state: ProfileState): ProfileFeatures {
  const tickets = Object.values(state.tickets);
  const lastResolved = tickets
    .filter((t) => t.status?.v === 'resolved')
    .reduce<number | undefined>((max, t) => Math.max(max ?? 0, t.status!.t), undefined);
  const lastSeenByChannel: Partial<Record<SeenChannel, string>> = {};
  for (const [ch, t] of Object.entries(state.lastSeenBy)) lastSeenByChannel[ch as SeenChannel] = iso(t)!;
  const hesitation: Partial<Record<HesitationSignal, string>> = {};
  for (const signal of HESITATION_SIGNALS) {
    const t = state.hesitation[signal];
    if (t !== undefined) hesitation[signal] = iso(t)!;
  }
  const consent: Record<string, boolean> = {};
  for (const [key, r] of Object.entries(state.consent)) consent[key] = r.v.granted;
  const cart = currentCart(state);
  const checkout = state.checkout;
  return {
    ...(state.firstSeen !== undefined ? { firstSeenAt: iso(state.firstSeen)! } : {}),
    ...(state.lastSeen !== undefined ? { lastSeenAt: iso(state.lastSeen)! } : {}),
    purchases: purchases(state),
    ...(cart ? { cart } : {}),
    ...(checkout
      ? {
          checkout: {
            ...(checkout.v.cartId !== undefined ? { cartId: checkout.v.cartId } : {}),
            ...(checkout.v.value !== undefined ? { value: checkout.v.value } : {}),
            at: iso(checkout.t)!,
          },
        }
      : {}),
    recentlyViewedProducts: mostRecent(state.viewedProducts),
    recentlyViewedCategories: mostRecent(state.viewedCategories),
    support: {
      openTickets: tickets.filter((t) => t.status?.v === 'open').length,
      ...(lastResolved !== undefined ? { lastResolvedAt: iso(lastResolved)! } : {}),
    },
    ...(state.nps ? { nps: { score: state.nps.v, at: iso(state.nps.t)! } } : {}),
    ...(state.csat ? { csat: { score: state.csat.v, at: iso(state.csat.t)! } } : {}),
    lastSeenByChannel,
    ...(state.timezone ? { timezone: state.timezone.v } : {}),
    ...(state.locale ? { locale: state.locale.v } : {}),
    hesitation,
    consent,
    pushTokenCount: Object.keys(state.pushTokens).length,
  };
}

/** Contact addresses a send needs: personal data, kept only on the (encrypted) profile item. */
export interface Contact {
  readonly email?: string;
  readonly phone?: string;
  readonly pushTokens: readonly { readonly token: string; readonly type: string }[];
}

/** Contact addresses of a profile: the email/phone traits, else a linked identifier of that type. */
export function contactOf(state: ProfileState): Contact {
  const email = state.traits.email?.v ?? state.identities.email.at(-1);
  const phone = state.traits.phone?.v ?? state.identities.phone.at(-1);
  const pushTokens = Object.entries(state.pushTokens)
    .sort(([ka, a], [kb, b]) => compareStamps(b, a) || (ka < kb ? -1 : 1))
    .map(([token, r]) => ({ token, type: r.v }));
  return {
    ...(typeof email === 'string' ? { email } : {}),
    ...(typeof phone === 'string' ? { phone } : {}),
    pushTokens,
  };
}

/**
 * Whether a profile may be contacted on a channel for a purpose. Transactional messages need no
 * marketing consent, only the absence of an explicit transactional withdrawal; marketing needs an
 * explicit grant.
 */
export function hasConsent(
  profile: { readonly consent: Readonly<Record<string, { readonly v: { readonly granted: boolean } }>> },
  channel: Channel,
  purpose: Purpose,
): boolean {
  const current = profile.consent[`${channel}:${purpose}`]?.v.granted;
  return purpose === 'transactional' ? current !== false : current === true;
}
