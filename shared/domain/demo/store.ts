/**
 * The demo store's events: each person's sign-up, consent, browse → cart → checkout funnels (most of
 * them abandoned), orders, refunds, support tickets, CSAT and NPS, as Segment messages the ingest
 * endpoint takes. Event names and properties are those docs/event-contract.md lists and the profile
 * projector (shared/domain/profiles/state.ts) reads.
 *
 * Generated one person at a time from the person's own RNG stream, so a run of 100,000 people never
 * holds more than one person's events, and the same seed, window and clock give byte-identical output.
 */
import { hashSeed, type Rng } from '../random.js';
import {
  CATALOGUE,
  COUPON_QUERIES,
  PRODUCTS_BY_CATEGORY,
  type Product,
  SEARCH_QUERIES,
} from './catalogue.js';
import {
  DAY_MS,
  type DemoOptions,
  demoPerson,
  HOUR_MS,
  MINUTE_MS,
  type Person,
  personRng,
} from './people.js';

/** A Segment message as posted in a batch (type included); the ingest schemas validate it. */
export type DemoMessage = Readonly<Record<string, unknown>> & {
  readonly type: string;
  readonly messageId: string;
};

/** The consent event Segment's consent manager sends (see shared/domain/profiles/consent.ts). */
export const CONSENT_EVENT = 'Segment Consent Preference Updated';

/** Kinds of deliberately bad message the demo mixes in, one of each per thousand people (at least one). */
export const BAD_KINDS = [
  'properties_not_object',
  'missing_event',
  'oversize',
  'no_identity',
  'bad_timestamp',
  'unknown_type',
] as const;
export type BadKind = (typeof BAD_KINDS)[number];

/** A short tag of the seed in ids, so runs with different seeds never share an order or cart id. */
export const seedTag = (seed: string) => hashSeed(seed).toString(36);

const cents = (n: number) => Math.round(n * 100) / 100;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;

interface Pending {
  readonly t: number;
  readonly seq: number;
  readonly message: Readonly<Record<string, unknown>> & { readonly type: string };
}

/** Collects one person's messages, then orders them by time and drops any after `now`. */
class Timeline {
  private readonly pending: Pending[] = [];
  private seq = 0;
  private counters = { cart: 0, order: 0, ticket: 0 };

  constructor(
    private readonly person: Person,
    private readonly tag: string,
    private readonly now: number,
  ) {}

  nextId(kind: keyof Timeline['counters']): string {
    this.counters[kind]++;
    const prefix = { cart: 'c', order: 'o', ticket: 't' }[kind];
    return `${prefix}-${this.tag}-${this.person.index}-${this.counters[kind]}`;
  }

  /** Who a message at time t is from: the device's anonymousId, plus the userId once signed up. */
  private who(t: number): Record<string, string> {
    const signedUp = this.person.signUpAt !== undefined && t >= this.person.signUpAt;
    return signedUp
      ? { userId: this.person.userId, anonymousId: this.person.anonymousId }
      : { anonymousId: this.person.anonymousId };
  }

  track(t: number, event: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    this.add(t, { type: 'track', ...this.who(t), event, properties, ...extra });
  }

  page(t: number, name: string, path: string, category?: string) {
    this.add(t, {
      type: 'page',
      ...this.who(t),
      name,
      ...(category ? { category } : {}),
      properties: { path, url: `https://shop.demo.feltfit.test${path}`, title: `${name} · Feltfit demo` },
    });
  }

  identify(t: number, traits: Record<string, unknown>, context?: Record<string, unknown>) {
    this.add(t, { type: 'identify', ...this.who(t), traits, ...(context ? { context } : {}) });
  }

  private add(t: number, message: Pending['message']) {
    this.pending.push({ t: Math.round(t), seq: this.seq++, message });
  }

  messages(): DemoMessage[] {
    return this.pending
      .filter((p) => p.t <= this.now)
      .sort((a, b) => a.t - b.t || a.seq - b.seq)
      .map((p, i) => ({
        ...p.message,
        messageId: `demo-${this.tag}-${this.person.index}-${i + 1}`,
        timestamp: new Date(p.t).toISOString(),
      }));
  }
}

function productProps(p: Product, quantity?: number): Record<string, unknown> {
  return {
    product_id: p.productId,
    sku: p.sku,
    name: p.name,
    category: p.category,
    price: p.price,
    ...(quantity !== undefined ? { quantity } : {}),
    currency: 'USD',
  };
}

/** A product this person would look at: mostly from their favourite categories. */
function browseProduct(rng: Rng, person: Person): Product {
  const u = rng.next();
  const category =
    u < 0.5 ? person.favouriteCategories[0] : u < 0.75 ? person.favouriteCategories[1] : undefined;
  const pool = category ? (PRODUCTS_BY_CATEGORY.get(category) ?? CATALOGUE) : CATALOGUE;
  return pick(rng, pool);
}

interface Line {
  readonly product: Product;
  readonly quantity: number;
}

/** Order lines whose subtotal approximates `value` (the Gamma-Gamma draw); the rest is shipping or a discount. */
function linesFor(rng: Rng, person: Person, value: number): Line[] {
  const lines: Line[] = [];
  let remaining = value;
  for (let attempt = 0; attempt < 12 && lines.length < 5 && remaining > 2; attempt++) {
    const product = browseProduct(rng, person);
    if (product.price > remaining * 1.15 || lines.some((l) => l.product === product)) continue;
    const quantity = Math.max(1, Math.min(4, Math.floor(remaining / product.price)));
    lines.push({ product, quantity });
    remaining -= product.price * quantity;
  }
  if (lines.length === 0) {
    const cheapest = [...CATALOGUE].sort((a, b) => a.price - b.price)[rng.int(10)]!;
    lines.push({ product: cheapest, quantity: 1 });
  }
  return lines;
}

const subtotalOf = (lines: readonly Line[]) =>
  cents(lines.reduce((s, l) => s + l.product.price * l.quantity, 0));

/** The browse part of a session: a landing page, maybe a search, a few product views. Returns the time after it. */
function browse(
  tl: Timeline,
  rng: Rng,
  person: Person,
  t: number,
  options: { coupon: boolean },
): { t: number; viewed: Product[] } {
  const landing = rng.bernoulli(0.6) ? undefined : browseProduct(rng, person).category;
  if (landing) tl.page(t, landing, `/collections/${landing.toLowerCase()}`, landing);
  else tl.page(t, 'Home', '/');
  let at = t + rng.int(90_000) + 10_000;
  if (options.coupon || rng.bernoulli(0.35)) {
    const query = options.coupon ? pick(rng, COUPON_QUERIES) : pick(rng, SEARCH_QUERIES);
    tl.track(at, 'Products Searched', { query });
    at += rng.int(60_000) + 5_000;
  }
  const viewed: Product[] = [];
  const views = 1 + rng.poisson(1.2);
  for (let i = 0; i < views; i++) {
    const product = browseProduct(rng, person);
    viewed.push(product);
    tl.track(at, 'Product Viewed', productProps(product));
    at += rng.int(150_000) + 15_000;
  }
  return { t: at, viewed };
}

/** A session that ends without an order: browse only, an abandoned cart or an abandoned checkout. */
function abandonedSession(tl: Timeline, rng: Rng, person: Person, t: number): void {
  const hesitant = rng.bernoulli(0.5);
  const coupon = hesitant && rng.bernoulli(0.2);
  const visit = browse(tl, rng, person, t, { coupon });
  let at = visit.t;
  if (!rng.bernoulli(0.4)) {
    // Browse only. Some come back to the same product within two days: a browse abandonment.
    if (rng.bernoulli(0.3)) {
      const again = at + Math.round(rng.uniform(2 * HOUR_MS, 48 * HOUR_MS));
      tl.track(again, 'Product Viewed', productProps(visit.viewed[0]!));
    }
    return;
  }
  const cartId = tl.nextId('cart');
  const adds = visit.viewed.slice(0, 1 + rng.int(Math.min(2, visit.viewed.length)));
  const lines = adds.map((product) => ({ product, quantity: 1 + (rng.bernoulli(0.2) ? 1 : 0) }));
  for (const l of lines) {
    tl.track(at, 'Product Added', { cart_id: cartId, ...productProps(l.product, l.quantity) });
    at += rng.int(60_000) + 10_000;
  }
  if (hesitant) {
    // The hesitation signals cart recovery answers (see shared/config/journeys.ts).
    const signal = rng.int(3);
    if (signal === 0) tl.page(at, 'Shipping', '/pages/shipping');
    else if (signal === 1) tl.track(at, 'Size Guide Viewed', { product_id: lines[0]!.product.productId });
    else tl.track(at, 'Price Watch Added', { product_id: lines[0]!.product.productId });
    at += rng.int(60_000) + 10_000;
  }
  if (!rng.bernoulli(0.5)) return;
  const value = subtotalOf(lines);
  tl.track(at, 'Checkout Started', {
    cart_id: cartId,
    checkout_id: `${cartId}-k`,
    value,
    revenue: value,
    currency: 'USD',
    products: lines.map((l) => productProps(l.product, l.quantity)),
  });
}

/** A session ending in an order at `orderAt`, plus what may follow it: a refund, a ticket, CSAT. */
function purchase(tl: Timeline, rng: Rng, person: Person, orderAt: number, value: number, notBefore: number) {
  const lines = linesFor(rng, person, value);
  const cartId = tl.nextId('cart');
  const orderId = tl.nextId('order');
  // Laid out backwards from the order, never before `notBefore` (the sign-up for a first order).
  const steps = 2 + lines.length + 1;
  const span = Math.min(Math.round(rng.uniform(6, 30) * MINUTE_MS), Math.max(0, orderAt - notBefore));
  const step = span / (steps + 1);
  let at = orderAt - span;
  const first = lines[0]!.product;
  tl.page(at, first.category, `/collections/${first.category.toLowerCase()}`, first.category);
  at += step;
  tl.track(at, 'Product Viewed', productProps(first));
  at += step;
  for (const l of lines) {
    tl.track(at, 'Product Added', { cart_id: cartId, ...productProps(l.product, l.quantity) });
    at += step;
  }
  const subtotal = subtotalOf(lines);
  const products = lines.map((l) => productProps(l.product, l.quantity));
  tl.track(at, 'Checkout Started', {
    cart_id: cartId,
    checkout_id: `${cartId}-k`,
    order_id: orderId,
    value: subtotal,
    revenue: subtotal,
    currency: 'USD',
    products,
  });
  const difference = cents(value - subtotal);
  tl.track(orderAt, 'Order Completed', {
    order_id: orderId,
    checkout_id: `${cartId}-k`,
    cart_id: cartId,
    total: value,
    revenue: value,
    subtotal,
    shipping: Math.max(0, difference),
    discount: Math.max(0, -difference),
    tax: 0,
    currency: 'USD',
    products,
  });
  if (rng.bernoulli(0.05)) {
    const partial = rng.bernoulli(0.3);
    tl.track(orderAt + Math.round(rng.uniform(1, 14) * DAY_MS), 'Order Refunded', {
      order_id: orderId,
      total: partial ? cents(value / 2) : value,
      currency: 'USD',
      reason: pick(rng, ['damaged in transit', 'wrong colour', 'changed my mind', 'arrived late']),
    });
  }
  if (rng.bernoulli(0.08)) supportTicket(tl, rng, orderAt, orderId);
}

function supportTicket(tl: Timeline, rng: Rng, orderAt: number, orderId: string): void {
  const ticketId = tl.nextId('ticket');
  const opened = orderAt + Math.round(rng.uniform(1, 10) * DAY_MS);
  const [subject, category] = pick(rng, [
    ['Where is my order?', 'shipping'],
    ['Colour differs from the photo', 'product'],
    ['How do I return an item?', 'returns'],
    ['Missing item in parcel', 'shipping'],
    ['Pattern has an error', 'product'],
  ] as const);
  tl.track(opened, 'Ticket Opened', {
    ticket_id: ticketId,
    order_id: orderId,
    subject,
    category,
    channel: 'email',
  });
  if (!rng.bernoulli(0.9)) return;
  const resolved = opened + Math.round(rng.uniform(2, 72) * HOUR_MS);
  tl.track(resolved, 'Ticket Resolved', { ticket_id: ticketId, resolution: 'answered' });
  if (!rng.bernoulli(0.55)) return;
  // CSAT skews high, with a tail of unhappy people the service follow-up journey apologises to.
  const score = [1, 2, 3, 4, 5][Math.min(4, Math.floor(rng.beta(3, 1.2) * 5))]!;
  tl.track(resolved + Math.round(rng.uniform(1, 24) * HOUR_MS), 'CSAT Submitted', {
    ticket_id: ticketId,
    score,
  });
}

/** Times of a Poisson process with `rate` per day on (from, to], at most `max`. */
function poissonTimes(rng: Rng, rate: number, from: number, to: number, max: number): number[] {
  const out: number[] = [];
  let t = from;
  while (out.length < max) {
    t += rng.exponential(rate) * DAY_MS;
    if (t > to) break;
    out.push(Math.round(t));
  }
  return out;
}

/** The person and their messages, in time order. */
export interface PersonEvents {
  readonly person: Person;
  readonly messages: DemoMessage[];
}

/** Everything one person of a demo run does. */
export function personEvents(options: DemoOptions, index: number): PersonEvents {
  const person = demoPerson(options, index);
  // Events draw from a stream of their own, so the person's attributes do not depend on how the
  // event generator consumes numbers.
  const rng = personRng(`${options.seed}\u0000events`, index);
  const tl = new Timeline(person, seedTag(options.seed), options.now);
  const { now } = options;
  const start = now - options.days * DAY_MS;

  if (person.signUpAt === undefined) {
    // A visitor: one to three anonymous sessions, never identified.
    const sessions = [person.firstSeenAt, ...poissonTimes(rng, 0.15, person.firstSeenAt, now, 2)];
    for (const t of sessions) abandonedSession(tl, rng, person, t);
    return { person, messages: tl.messages() };
  }

  const signUpAt = person.signUpAt;
  if (person.firstSeenAt < signUpAt) {
    // Anonymous browsing before the sign-up: the identify links it to the account.
    for (const t of [
      person.firstSeenAt,
      ...poissonTimes(rng, 1, person.firstSeenAt, signUpAt - HOUR_MS, 2),
    ]) {
      abandonedSession(tl, rng, person, Math.max(start, t));
    }
  }
  tl.identify(
    signUpAt,
    {
      email: person.email,
      firstName: person.firstName,
      lastName: person.lastName,
      ...(person.phone ? { phone: person.phone } : {}),
      createdAt: new Date(signUpAt).toISOString(),
    },
    { timezone: person.timezone, locale: person.locale, location: { country: person.country } },
  );
  const consent = person.consent!;
  tl.track(
    signUpAt + 2_000,
    CONSENT_EVENT,
    {},
    {
      context: {
        consent: {
          categoryPreferences: {
            email: consent.email,
            ...(consent.sms !== undefined ? { sms: consent.sms } : {}),
          },
        },
      },
    },
  );
  if (consent.withdrawal) {
    tl.track(
      consent.withdrawal.at,
      CONSENT_EVENT,
      {},
      { context: { consent: { categoryPreferences: { [consent.withdrawal.channel]: false } } } },
    );
  }
  if (consent.unsubscribeAt !== undefined) tl.identify(consent.unsubscribeAt, { emailOptIn: false });

  const plan = person.purchases;
  if (plan) {
    const orders = [plan.firstOrderAt, ...plan.repeatOrderAts];
    orders.forEach((at, i) => {
      purchase(tl, rng, person, at, plan.orderValues[i]!, i === 0 ? signUpAt + 1_000 : at - HOUR_MS);
    });
    // Engaged customers browse more; after they drop out they mostly stop coming back.
    const lastOrder = orders[orders.length - 1]!;
    const activeUntil = plan.alive ? now : lastOrder;
    for (const t of poissonTimes(rng, 0.03 + 2 * plan.lambda, signUpAt + HOUR_MS, activeUntil, 40))
      abandonedSession(tl, rng, person, t);
    if (!plan.alive)
      for (const t of poissonTimes(rng, 0.008, lastOrder, now, 5)) abandonedSession(tl, rng, person, t);
    if (rng.bernoulli(0.15)) {
      // NPS skews towards promoters, as a shop's buyers do.
      const score = Math.min(10, Math.floor(rng.beta(4, 1.5) * 11));
      // Sent some days after an order; a survey due after `now` is simply not answered yet.
      const at = Math.round(rng.uniform(plan.firstOrderAt + DAY_MS, now + 20 * DAY_MS));
      tl.track(at, 'NPS Submitted', { score, survey: 'post-purchase' });
    }
  } else {
    for (const t of poissonTimes(rng, 0.05, signUpAt + 1_000, now, 30)) abandonedSession(tl, rng, person, t);
  }
  return { person, messages: tl.messages() };
}

/** One deliberately bad message of a kind, which the ingest must quarantine. */
export function badMessage(options: DemoOptions, kind: BadKind, n: number): Record<string, unknown> {
  const messageId = `demo-${seedTag(options.seed)}-bad-${kind}-${n}`;
  const timestamp = new Date(options.now - (n + 1) * 37 * MINUTE_MS).toISOString();
  const base = { type: 'track', messageId, timestamp, userId: `person-${n}`, event: 'Product Viewed' };
  switch (kind) {
    case 'properties_not_object':
      return { ...base, properties: 'product_id=p-0001&price=12' };
    case 'missing_event': {
      const { event: _omitted, ...rest } = base;
      return { ...rest, properties: { product_id: 'p-0001' } };
    }
    case 'oversize':
      // Over the 32 KB message limit: a client that pasted a whole page into a property.
      return { ...base, properties: { product_id: 'p-0001', description: 'x'.repeat(40 * 1024) } };
    case 'no_identity': {
      const { userId: _omitted, ...rest } = base;
      return { ...rest, properties: { product_id: 'p-0001' } };
    }
    case 'bad_timestamp':
      return { ...base, timestamp: 'last Tuesday', properties: { product_id: 'p-0001' } };
    case 'unknown_type':
      return { ...base, type: 'purchase', properties: { product_id: 'p-0001' } };
  }
}

/** How many bad messages a run mixes in: one of each kind per thousand people, at least one of each. */
export const badCount = (people: number) => BAD_KINDS.length * Math.max(1, Math.round(people / 1000));

/** One chunk of the stream: a person's messages, or a bad message. */
export type DemoChunk =
  | { readonly kind: 'person'; readonly person: Person; readonly messages: DemoMessage[] }
  | { readonly kind: 'bad'; readonly badKind: BadKind; readonly messages: Record<string, unknown>[] };

/**
 * The whole demo, person by person, with the bad messages spread evenly between people. Lazy: a
 * consumer that posts as it goes holds one batch at a time.
 */
export function* demoStream(options: DemoOptions): Generator<DemoChunk> {
  const bad = badCount(options.people);
  const badChunk = (n: number): DemoChunk => {
    const badKind = BAD_KINDS[n % BAD_KINDS.length]!;
    return { kind: 'bad', badKind, messages: [badMessage(options, badKind, n + 1)] };
  };
  let emitted = 0;
  for (let i = 1; i <= options.people; i++) {
    const { person, messages } = personEvents(options, i);
    yield { kind: 'person', person, messages };
    // Bad message n goes after person ⌈n·people / (bad + 1)⌉.
    while (emitted < bad && Math.ceil(((emitted + 1) * options.people) / (bad + 1)) <= i)
      yield badChunk(emitted++);
  }
  while (emitted < bad) yield badChunk(emitted++);
}
