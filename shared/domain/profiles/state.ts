/**
 * Profile state as a join-semilattice. `fromEvent` turns one event into the smallest state that
 * records it; `applyEvent` and `mergeProfiles` are joins, so a profile is the same whatever order its
 * events arrive in and however often they are replayed. Event time (`timestamp`), not arrival time,
 * orders writes. Field rules are listed in docs/profiles.md.
 */
import type { Channel, IdentifierType, ProfilesConfig, Purpose, TraitSpec } from '../../config/profiles.js';
import type { NormalisedMessage } from '../ingest/schemas.js';
import { type ConsentSource, consentStatementsOf } from './consent.js';
import { normaliseEmail, normalisePhone } from './identifiers.js';
import {
  canonical,
  joinMap,
  joinMax,
  joinMin,
  joinReg,
  joinSet,
  maxStamp,
  type Reg,
  type Stamp,
  topN,
} from './lattice.js';

export type { Reg, Stamp } from './lattice.js';

/** A product line in a cart. */
export interface CartLine {
  readonly productId: string;
  readonly sku?: string;
  readonly name?: string;
  readonly category?: string;
  readonly price?: number;
  readonly quantity: number;
}

/** One cart: its last full listing plus the adds and removes written after it. */
export interface CartState {
  /** Greatest stamp of any event about this cart. */
  readonly seen: Stamp;
  /** Last full listing (Cart Viewed, Checkout Started with products[]). */
  readonly snap?: Reg<CartLine[]>;
  /** Product Added / Removed later than `snap`, by product; `null` = removed. */
  readonly lines: Readonly<Record<string, Reg<CartLine | null>>>;
}

export interface OrderFact {
  /** UTC day of the order (YYYY-MM-DD). */
  readonly day: string;
  readonly revenue: number;
  readonly cartId?: string;
  readonly currency?: string;
}

export interface TicketState {
  readonly openedAt?: number;
  readonly status?: Reg<'open' | 'resolved'>;
}

export interface ConsentValue {
  readonly granted: boolean;
  readonly source: ConsentSource;
}

export const HESITATION_SIGNALS = [
  'shippingViewed',
  'sizeGuideViewed',
  'couponSearched',
  'priceWatchAdded',
] as const;
export type HesitationSignal = (typeof HESITATION_SIGNALS)[number];

export type SeenChannel = 'web' | 'mobile' | 'email';

export type Identities = Readonly<Record<IdentifierType, readonly string[]>>;

/** The lattice state of a profile. Only defined fields are set, so states compare with deep equality. */
export interface ProfileState {
  readonly firstSeen?: number;
  readonly lastSeen?: number;
  /** Clear identifiers this profile owns in the identity index (set by resolution, not by events). */
  readonly identities: Identities;
  readonly traits: Readonly<Record<string, Reg<string | number | boolean>>>;
  readonly timezone?: Reg<string>;
  readonly locale?: Reg<string>;
  readonly nps?: Reg<number>;
  readonly csat?: Reg<number>;
  /** Key `<channel>:<purpose>`. */
  readonly consent: Readonly<Record<string, Reg<ConsentValue>>>;
  readonly lastSeenBy: Readonly<Partial<Record<SeenChannel, number>>>;
  readonly orders: Readonly<Record<string, Reg<OrderFact>>>;
  /** Refunds by orderId; amount absent = the whole order. */
  readonly refunds: Readonly<Record<string, Reg<{ readonly amount?: number }>>>;
  readonly carts: Readonly<Record<string, CartState>>;
  readonly checkout?: Reg<{ readonly cartId?: string; readonly orderId?: string; readonly value?: number }>;
  readonly tickets: Readonly<Record<string, TicketState>>;
  readonly viewedProducts: Readonly<Record<string, number>>;
  readonly viewedCategories: Readonly<Record<string, number>>;
  readonly hesitation: Readonly<Partial<Record<HesitationSignal, number>>>;
  /** Push token → device type. */
  readonly pushTokens: Readonly<Record<string, Reg<string>>>;
}

/** The state of a profile that has seen nothing. */
export function emptyState(): ProfileState {
  return {
    identities: { userId: [], email: [], phone: [], deviceId: [], anonymousId: [] },
    traits: {},
    consent: {},
    lastSeenBy: {},
    orders: {},
    refunds: {},
    carts: {},
    tickets: {},
    viewedProducts: {},
    viewedCategories: {},
    hesitation: {},
    pushTokens: {},
  };
}

/** Bounds of the state that depend on configuration. */
export type StateBounds = Pick<ProfilesConfig, 'recentlyViewedLimit' | 'cartLimit' | 'pushTokenLimit'>;

const DEFAULT_CART = '_';

/**
 * Orders (and refunds) the profile item keeps: the most recent by event time. Bounds the item; a
 * person with more orders counts only these in the purchase features (see docs/profiles.md §1).
 */
export const ORDER_LIMIT = 100;

function joinCart(a: CartState | undefined, b: CartState | undefined): CartState | undefined {
  if (!a) return b;
  if (!b) return a;
  const snap = joinReg(a.snap, b.snap);
  const lines = joinMap(a.lines, b.lines, joinReg);
  return pruneCart({ seen: maxStamp(a.seen, b.seen)!, ...(snap ? { snap } : {}), lines });
}

/** Drops adds/removes that a later full listing supersedes. */
function pruneCart(cart: CartState): CartState {
  const snap = cart.snap;
  if (!snap) return cart;
  const lines: Record<string, Reg<CartLine | null>> = {};
  for (const [k, r] of Object.entries(cart.lines)) {
    if (r.t > snap.t || (r.t === snap.t && r.m > snap.m)) lines[k] = r;
  }
  return { ...cart, lines };
}

function joinTicket(a: TicketState | undefined, b: TicketState | undefined): TicketState | undefined {
  if (!a) return b;
  if (!b) return a;
  const openedAt = joinMin(a.openedAt, b.openedAt);
  const status = joinReg(a.status, b.status);
  return { ...(openedAt !== undefined ? { openedAt } : {}), ...(status ? { status } : {}) };
}

function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

const byTime = (t: number): Stamp => ({ t, m: '' });

/**
 * Join of two profile states: the state of the union of their events (`mergeProfiles(a, b)`).
 * Commutative, associative and idempotent.
 */
export function mergeProfiles(a: ProfileState, b: ProfileState, bounds: StateBounds): ProfileState {
  const identities = {} as Record<IdentifierType, string[]>;
  for (const type of Object.keys(a.identities) as IdentifierType[]) {
    identities[type] = joinSet(a.identities[type] ?? [], b.identities[type] ?? []);
  }
  return {
    ...opt('firstSeen', joinMin(a.firstSeen, b.firstSeen)),
    ...opt('lastSeen', joinMax(a.lastSeen, b.lastSeen)),
    identities,
    traits: joinMap(a.traits, b.traits, joinReg),
    ...opt('timezone', joinReg(a.timezone, b.timezone)),
    ...opt('locale', joinReg(a.locale, b.locale)),
    ...opt('nps', joinReg(a.nps, b.nps)),
    ...opt('csat', joinReg(a.csat, b.csat)),
    consent: joinMap(a.consent, b.consent, joinReg),
    lastSeenBy: joinMap(a.lastSeenBy, b.lastSeenBy, joinMax),
    orders: topN(joinMap(a.orders, b.orders, joinReg), ORDER_LIMIT, (r) => r),
    refunds: topN(joinMap(a.refunds, b.refunds, joinReg), ORDER_LIMIT, (r) => r),
    carts: topN(joinMap(a.carts, b.carts, joinCart), bounds.cartLimit, (c) => c.seen),
    ...opt('checkout', joinReg(a.checkout, b.checkout)),
    tickets: joinMap(a.tickets, b.tickets, joinTicket),
    viewedProducts: topN(
      joinMap(a.viewedProducts, b.viewedProducts, joinMax),
      bounds.recentlyViewedLimit,
      byTime,
    ),
    viewedCategories: topN(
      joinMap(a.viewedCategories, b.viewedCategories, joinMax),
      bounds.recentlyViewedLimit,
      byTime,
    ),
    hesitation: joinMap(a.hesitation, b.hesitation, joinMax),
    pushTokens: topN(joinMap(a.pushTokens, b.pushTokens, joinReg), bounds.pushTokenLimit, (r) => r),
  };
}

/** The same state with identifiers added (identity resolution decides which). */
export function withIdentities(
  state: ProfileState,
  ids: readonly { type: IdentifierType; value: string }[],
): ProfileState {
  if (ids.length === 0) return state;
  const identities = { ...state.identities } as Record<IdentifierType, readonly string[]>;
  for (const id of ids) identities[id.type] = joinSet(identities[id.type] ?? [], [id.value]);
  return { ...state, identities };
}

// ---------------------------------------------------------------------------------------------
// From one event to a state

const rec = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== ''
    ? v
    : typeof v === 'number' && Number.isFinite(v)
      ? String(v)
      : undefined;
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};
const first = <T>(...vs: (T | undefined)[]): T | undefined => vs.find((v) => v !== undefined);

function cartLine(p: Record<string, unknown>, fallbackQuantity = 1): CartLine | undefined {
  const productId = first(str(p.product_id), str(p.productId), str(p.sku), str(p.id));
  if (productId === undefined) return undefined;
  const price = num(p.price);
  const sku = str(p.sku);
  const name = str(p.name);
  const category = str(p.category);
  const quantity = num(p.quantity);
  return {
    productId,
    ...opt('sku', sku),
    ...opt('name', name),
    ...opt('category', category),
    ...opt('price', price),
    quantity: quantity !== undefined && quantity > 0 ? quantity : fallbackQuantity,
  };
}

function productLines(props: Record<string, unknown>): CartLine[] | undefined {
  if (!Array.isArray(props.products)) return undefined;
  const byId = new Map<string, CartLine>();
  for (const p of props.products) {
    const line = rec(p) && cartLine(rec(p)!);
    if (line) byId.set(line.productId, line);
  }
  return [...byId.values()].sort((a, b) => (a.productId < b.productId ? -1 : 1));
}

/** The product a `Product Viewed` event is about. */
export function viewedProductOf(props: Record<string, unknown>): string | undefined {
  return first(str(props.product_id), str(props.productId), str(props.sku));
}

/** Whether a product is in one of the person's carts (its last listing or a later add). */
export function cartHolds(state: ProfileState, productId: string): boolean {
  return Object.values(state.carts).some((cart) => {
    const line = cart.lines[productId];
    if (line) return line.v !== null;
    return cart.snap?.v.some((l) => l.productId === productId) ?? false;
  });
}

const cartIdOf = (props: Record<string, unknown>) => first(str(props.cart_id), str(props.cartId));
const orderIdOf = (props: Record<string, unknown>) => first(str(props.order_id), str(props.orderId));
const linesValue = (lines: readonly CartLine[]) =>
  lines.reduce((sum, l) => sum + (l.price ?? 0) * l.quantity, 0);

function roundMoney(n: number): number {
  return Math.round(n * 100) / 100;
}

/** A trait value checked against its declared type; undefined when it does not conform. */
function conformTrait(
  spec: TraitSpec,
  value: unknown,
  config: ProfilesConfig,
): string | number | boolean | undefined {
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' && value.length <= 1024
        ? value
        : typeof value === 'number'
          ? String(value)
          : undefined;
    case 'number':
      return num(value);
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'date': {
      const ms =
        typeof value === 'string' || typeof value === 'number' ? Date.parse(String(value)) : Number.NaN;
      return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
    }
    case 'email':
      return typeof value === 'string' ? normaliseEmail(value) : undefined;
    case 'phone':
      return typeof value === 'string' || typeof value === 'number'
        ? normalisePhone(String(value), config.defaultCountry)
        : undefined;
  }
}

/** What one event contributes, plus what it asked for that was not kept. */
export interface EventContribution {
  readonly state: ProfileState;
  /** Traits the event sent that the trait schema does not declare, or whose value does not conform. */
  readonly droppedTraits: readonly string[];
}

const SHIPPING = /shipping/i;

/** The smallest state that records one event. */
export function fromEvent(message: NormalisedMessage, config: ProfilesConfig): EventContribution {
  const t = Date.parse(message.timestamp);
  const m = message.messageId;
  const stamp: Stamp = { t, m };
  const reg = <T>(v: T): Reg<T> => ({ v, t, m });
  const props = rec(message.properties) ?? {};
  const context = rec(message.context) ?? {};
  const base = emptyState();
  const s: { -readonly [K in keyof ProfileState]: ProfileState[K] } = { ...base, firstSeen: t, lastSeen: t };
  const droppedTraits: string[] = [];

  // Context: time zone, locale, push token, consent.
  const timezone = str(context.timezone);
  if (timezone) s.timezone = reg(timezone);
  const locale = str(context.locale);
  if (locale) s.locale = reg(locale);
  const device = rec(context.device);
  const token = str(device?.token);
  if (token) s.pushTokens = { [token]: reg(str(device?.type) ?? 'unknown') };
  const consent: Record<string, Reg<ConsentValue>> = {};
  for (const c of consentStatementsOf(message, config)) {
    consent[`${c.channel}:${c.purpose}`] = reg({ granted: c.granted, source: c.source });
  }
  s.consent = consent;

  if (message.type === 'identify') {
    const traits: Record<string, Reg<string | number | boolean>> = {};
    for (const [name, value] of Object.entries(rec(message.traits) ?? {})) {
      if (name in config.consent.traits) continue; // consent, handled above
      const spec = config.traits[name];
      const conformed =
        spec && value !== null && value !== undefined ? conformTrait(spec, value, config) : undefined;
      if (conformed === undefined) droppedTraits.push(name);
      else traits[name] = reg(conformed);
    }
    s.traits = traits;
  }

  if (message.type === 'page') {
    s.lastSeenBy = { web: t };
    const page = rec(context.page) ?? {};
    const where = [message.name, str(props.path), str(props.url), str(page.path), str(page.url)];
    if (where.some((w) => w !== undefined && SHIPPING.test(w))) s.hesitation = { shippingViewed: t };
  }
  if (message.type === 'screen') s.lastSeenBy = { mobile: t };

  if (message.type === 'track') {
    const cartId = cartIdOf(props) ?? DEFAULT_CART;
    switch (message.event) {
      case 'Email Opened':
      case 'Email Link Clicked':
        s.lastSeenBy = { email: t };
        break;
      case 'Product Viewed': {
        const productId = viewedProductOf(props);
        if (productId) s.viewedProducts = { [productId]: t };
        const category = str(props.category);
        if (category) s.viewedCategories = { [category]: t };
        break;
      }
      case 'Product List Viewed': {
        const category = first(str(props.category), str(props.list_id));
        if (category) s.viewedCategories = { [category]: t };
        break;
      }
      case 'Product Added':
      case 'Product Removed': {
        const line = cartLine(props);
        if (!line) break;
        const value = message.event === 'Product Added' ? line : null;
        s.carts = { [cartId]: { seen: stamp, lines: { [line.productId]: reg(value) } } };
        break;
      }
      case 'Cart Viewed':
      case 'Checkout Started': {
        const lines = productLines(props);
        s.carts = { [cartId]: { seen: stamp, ...(lines ? { snap: reg(lines) } : {}), lines: {} } };
        if (message.event === 'Checkout Started') {
          const value = first(
            num(props.value),
            num(props.revenue),
            num(props.total),
            lines && linesValue(lines),
          );
          const orderId = orderIdOf(props);
          s.checkout = reg({
            ...opt('cartId', cartIdOf(props)),
            ...opt('orderId', orderId),
            ...opt('value', value === undefined ? undefined : roundMoney(value)),
          });
        }
        break;
      }
      case 'Order Completed': {
        const orderId = orderIdOf(props) ?? `msg:${m}`;
        const lines = productLines(props);
        const revenue =
          first(num(props.revenue), num(props.total), num(props.value), lines && linesValue(lines)) ?? 0;
        s.orders = {
          [orderId]: reg({
            day: new Date(t).toISOString().slice(0, 10),
            revenue: roundMoney(revenue),
            ...opt('cartId', cartIdOf(props)),
            ...opt('currency', str(props.currency)),
          }),
        };
        break;
      }
      case 'Order Refunded': {
        const orderId = orderIdOf(props);
        if (!orderId) break;
        const amount = first(num(props.total), num(props.revenue), num(props.amount), num(props.value));
        s.refunds = { [orderId]: reg(amount === undefined ? {} : { amount: roundMoney(amount) }) };
        break;
      }
      case 'Ticket Opened':
      case 'Ticket Reopened':
      case 'Ticket Resolved': {
        const ticketId = first(str(props.ticket_id), str(props.ticketId));
        if (!ticketId) break;
        s.tickets = {
          [ticketId]:
            message.event === 'Ticket Opened'
              ? { openedAt: t, status: reg('open' as const) }
              : message.event === 'Ticket Reopened'
                ? { status: reg('open' as const) }
                : { status: reg('resolved' as const) },
        };
        break;
      }
      case 'NPS Submitted':
      case 'CSAT Submitted': {
        const score = num(props.score);
        const max = message.event === 'NPS Submitted' ? 10 : 5;
        if (score === undefined || score < 0 || score > max) break;
        if (message.event === 'NPS Submitted') s.nps = reg(score);
        else s.csat = reg(score);
        break;
      }
      case 'Size Guide Viewed':
        s.hesitation = { sizeGuideViewed: t };
        break;
      case 'Price Watch Added':
        s.hesitation = { priceWatchAdded: t };
        break;
      case 'Products Searched': {
        const query = str(props.query);
        if (query && new RegExp(config.couponQueryPattern, 'i').test(query))
          s.hesitation = { couponSearched: t };
        break;
      }
    }
  }
  return { state: s, droppedTraits };
}

/** Names of the top-level fields that differ between two states. */
export function changedFields(before: ProfileState, after: ProfileState): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof ProfileState>;
  const changed: string[] = [];
  for (const key of keys) {
    if (key === 'traits') {
      for (const name of new Set([...Object.keys(before.traits), ...Object.keys(after.traits)])) {
        if (canonical(before.traits[name]?.v) !== canonical(after.traits[name]?.v))
          changed.push(`traits.${name}`);
      }
    } else if (canonical(before[key]) !== canonical(after[key])) changed.push(key);
  }
  return changed.sort();
}

/** Result of applying an event. */
export interface Applied {
  readonly profile: ProfileState;
  /** Top-level fields (and `traits.<name>`) whose content changed; empty for a replay. */
  readonly changes: readonly string[];
  readonly droppedTraits: readonly string[];
}

/** Applies one event: the join of the profile with the event's contribution. */
export function applyEvent(profile: ProfileState, event: NormalisedMessage, config: ProfilesConfig): Applied {
  const { state, droppedTraits } = fromEvent(event, config);
  const next = mergeProfiles(profile, state, config);
  return { profile: next, changes: changedFields(profile, next), droppedTraits };
}

/** Whether the current consent for a channel and purpose is granted. */
export function consentOf(state: ProfileState, channel: Channel, purpose: Purpose): boolean | undefined {
  return state.consent[`${channel}:${purpose}`]?.v.granted;
}
