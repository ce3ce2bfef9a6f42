/**
 * Model inputs derived from a profile's state (pure). The trainer and the scorer both use these
 * functions, so a feature means the same thing in training and in scoring.
 *
 * What the state can and cannot tell about the past (features "as of" an earlier cutoff):
 * - purchases are exact: `orders` keeps every order with its event time (refunds are ignored: the
 *   models see gross order revenue);
 * - views: `viewedProducts` keeps one time per product (its latest view) for the newest
 *   `recentlyViewedLimit` products, so repeated views count once and a product viewed both before
 *   and after a cutoff counts at neither side before it;
 * - carts: only the last write per line survives (snapshot lines at the snapshot's time, later adds at
 *   their own time; removed lines are gone);
 * - tickets: open and resolve times are exact;
 * - email engagement: the state holds only the last email open or click (`lastSeenBy.email`) and no
 *   sends (those live in the channels ledger), so the engagement rate is a proxy: 1 with an email
 *   interaction in the 30 days before the cutoff, ½ without.
 * Labels (a purchase in [cutoff, cutoff + horizon)) are exact.
 */

import {
  type BehaviourEvent,
  type BehaviourEventType,
  PROPENSITY_FEATURES,
  propensityFeatures,
} from '../../domain/models/propensity.js';
import type { ProfileState } from '../../domain/profiles/state.js';
import type { PurchaseSummaryRow } from '../../ports/models.js';

const lineValue = (l: { readonly price?: number; readonly quantity: number }) => (l.price ?? 0) * l.quantity;

// At equal times a purchase comes after the cart it empties.
const ORDER: Readonly<Record<BehaviourEventType, number>> = {
  view: 0,
  add_to_cart: 1,
  email_sent: 2,
  email_open: 3,
  email_click: 4,
  ticket_opened: 5,
  ticket_closed: 6,
  purchase: 7,
};

/** The behavioural events a profile's state still shows, sorted by time. */
export function behaviourEventsOf(profileId: string, state: ProfileState): BehaviourEvent[] {
  const events: BehaviourEvent[] = [];
  const push = (type: BehaviourEventType, at: number, value?: number) =>
    events.push({ profileId, type, at, ...(value !== undefined ? { value } : {}) });
  for (const order of Object.values(state.orders)) push('purchase', order.t, order.v.revenue);
  for (const cart of Object.values(state.carts)) {
    for (const line of cart.snap?.v ?? []) {
      if (!(line.productId in cart.lines)) push('add_to_cart', cart.snap!.t, lineValue(line));
    }
    for (const reg of Object.values(cart.lines)) if (reg.v) push('add_to_cart', reg.t, lineValue(reg.v));
  }
  for (const at of Object.values(state.viewedProducts)) push('view', at);
  for (const ticket of Object.values(state.tickets)) {
    if (ticket.openedAt !== undefined) push('ticket_opened', ticket.openedAt);
    if (ticket.status?.v === 'resolved') push('ticket_closed', ticket.status.t);
  }
  if (state.lastSeenBy.email !== undefined) push('email_open', state.lastSeenBy.email);
  return events.sort((a, b) => a.at - b.at || ORDER[a.type] - ORDER[b.type]);
}

/** Propensity features as of `cutoff` (epoch ms) by name, or undefined for a profile not yet seen then. */
export function propensityFeaturesOf(
  state: ProfileState,
  cutoff: number,
  events: readonly BehaviourEvent[] = behaviourEventsOf('', state),
): Record<string, number> | undefined {
  if (state.firstSeen === undefined || state.firstSeen >= cutoff) return undefined;
  const x = propensityFeatures(events, cutoff);
  return Object.fromEntries(PROPENSITY_FEATURES.map((name, i) => [name, x[i]!]));
}

/**
 * Purchase summary counting orders on UTC days ≤ `asOfDay` (ISO date): orders of one day are one
 * transaction. Undefined for a profile with no order by then.
 */
export function purchaseSummaryOf(
  state: ProfileState,
  asOfDay: string,
): Omit<PurchaseSummaryRow, 'customerId' | 'traits'> | undefined {
  const byDay = new Map<string, number>();
  for (const order of Object.values(state.orders)) {
    if (order.v.day <= asOfDay) byDay.set(order.v.day, (byDay.get(order.v.day) ?? 0) + order.v.revenue);
  }
  if (byDay.size === 0) return undefined;
  const days = [...byDay.keys()].sort();
  const repeatSpend = days.slice(1).reduce((sum, d) => sum + byDay.get(d)!, 0);
  return {
    firstPurchaseDay: days[0]!,
    lastPurchaseDay: days.at(-1)!,
    distinctPurchaseDays: days.length,
    repeatSpend: Math.round(repeatSpend * 100) / 100,
  };
}

/** The named traits as strings, for fairness cohorts (only the ones asked for: no contact data). */
export function cohortTraitsOf(
  state: ProfileState,
  names: readonly string[],
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of names) {
    const v = state.traits[name]?.v;
    out[name] = v === undefined ? undefined : String(v);
  }
  return out;
}
