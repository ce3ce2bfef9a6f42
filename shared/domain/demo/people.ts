/**
 * The demo store's people: who they are (identify traits, time zone, country), how they consent, and
 * how they buy. Buying follows BG/NBD (Fader, Hardie & Lee 2005): while alive a customer buys as a
 * Poisson process with rate λ ~ Gamma(r, α) and drops out with probability p ~ Beta(a, b) after each
 * repeat purchase; order values follow Gamma-Gamma (Fader & Hardie 2013): ν ~ Gamma(q, γ) per
 * customer, each order z ~ Gamma(p, ν). Defaults are the published CDNOW fits, with α rescaled from
 * weeks to days.
 */
import * as z from 'zod';
import type { BgNbdParams } from '../models/bgnbd.js';
import type { GammaGammaParams } from '../models/gammaGamma.js';
import { createRng, hashSeed, type Rng } from '../random.js';
import { CATEGORY_NAMES } from './catalogue.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

/** CDNOW BG/NBD fit (Fader, Hardie & Lee 2005, table 1), time in weeks. */
export const CDNOW_BGNBD_WEEKS: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
/** The same in days: λ per day is λ per week / 7, so the Gamma rate α is multiplied by 7. */
export const CDNOW_BGNBD_DAYS: BgNbdParams = { ...CDNOW_BGNBD_WEEKS, alpha: CDNOW_BGNBD_WEEKS.alpha * 7 };
/** CDNOW Gamma-Gamma fit (Fader & Hardie 2013), US dollars. */
export const CDNOW_GAMMA_GAMMA: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };

/** Mean order value the Gamma-Gamma parameters imply: E[z] = pγ / (q − 1). */
export const expectedOrderValue = (gg: GammaGammaParams) => (gg.p * gg.gamma) / (gg.q - 1);

/** What a demo run is asked for. `now` is the end of the window (epoch ms): inject it for tests. */
export const DemoOptions = z.object({
  people: z.number().int().min(1).max(1_000_000).default(2_000),
  days: z.number().int().min(1).max(3_650).default(90),
  seed: z.string().min(1).max(64).default('feltfit'),
  now: z.number().int().nonnegative(),
});
export type DemoOptions = z.infer<typeof DemoOptions>;
export type DemoOptionsInput = z.input<typeof DemoOptions>;

/**
 * How people split: customers buy (BG/NBD from their first order), prospects sign up and browse but
 * never order in the window, visitors browse anonymously and never identify.
 */
export const KIND_SHARES = { customer: 0.6, prospect: 0.3, visitor: 0.1 } as const;
export type PersonKind = keyof typeof KIND_SHARES;

/** A time zone with its standard UTC offset; the demo ignores daylight saving (good enough for a shop). */
interface Zone {
  readonly timezone: string;
  readonly offsetHours: number;
  readonly country: string;
  readonly locale: string;
  readonly weight: number;
}

// biome-ignore format: a table reads better in rows
const ZONES: readonly Zone[] = [
  { timezone: 'America/New_York', offsetHours: -5, country: 'US', locale: 'en-US', weight: 30 },
  { timezone: 'America/Chicago', offsetHours: -6, country: 'US', locale: 'en-US', weight: 15 },
  { timezone: 'America/Denver', offsetHours: -7, country: 'US', locale: 'en-US', weight: 6 },
  { timezone: 'America/Los_Angeles', offsetHours: -8, country: 'US', locale: 'en-US', weight: 15 },
  { timezone: 'America/Toronto', offsetHours: -5, country: 'CA', locale: 'en-CA', weight: 6 },
  { timezone: 'Europe/London', offsetHours: 0, country: 'GB', locale: 'en-GB', weight: 12 },
  { timezone: 'Europe/Dublin', offsetHours: 0, country: 'IE', locale: 'en-IE', weight: 3 },
  { timezone: 'Europe/Berlin', offsetHours: 1, country: 'DE', locale: 'de-DE', weight: 5 },
  { timezone: 'Europe/Stockholm', offsetHours: 1, country: 'SE', locale: 'sv-SE', weight: 2 },
  { timezone: 'Australia/Sydney', offsetHours: 10, country: 'AU', locale: 'en-AU', weight: 4 },
  { timezone: 'Pacific/Auckland', offsetHours: 12, country: 'NZ', locale: 'en-NZ', weight: 2 },
];

// biome-ignore format: lists read better packed
const FIRST_NAMES = [
  'Ada', 'Grace', 'Maya', 'Olivia', 'Noah', 'Liam', 'Emma', 'Ava', 'Sofia', 'Isla', 'Freya', 'Elijah',
  'Amara', 'Yuki', 'Priya', 'Chen', 'Mateo', 'Lucia', 'Ingrid', 'Astrid', 'Finn', 'Oscar', 'Hana',
  'Zara', 'Leila', 'Omar', 'Kofi', 'Nia', 'Rosa', 'Elena', 'Jonas', 'Clara', 'Ruth', 'Iris', 'Mei',
  'Aiko', 'Ravi', 'Anya', 'Tomas', 'Nora', 'Ellis', 'Margot', 'Wren', 'Hugo', 'Ines', 'Saoirse', 'Maeve',
];
// biome-ignore format: lists read better packed
const LAST_NAMES = [
  'Lovelace', 'Hopper', 'Okafor', 'Nakamura', 'Patel', 'García', 'Novak', 'Lindqvist', 'Murphy', 'Kowalski',
  'Schmidt', 'Rossi', 'Haddad', 'Mensah', 'Costa', 'Jensen', 'Tanaka', 'Silva', 'Byrne', 'Walsh', 'Kim',
  'Nguyen', 'Fischer', 'Moreau', 'Dubois', 'Ivanova', 'Reyes', 'Brennan', 'Sato', 'Ahmed', 'Larsen',
];

/** Consent a person gives and takes back during the window (times in epoch ms). */
export interface ConsentPlan {
  /** Marketing email granted at sign-up (false: declined in the consent banner). */
  readonly email: boolean;
  /** Marketing SMS granted at sign-up; undefined when the person gave no phone. */
  readonly sms?: boolean;
  /** Withdraws email (or SMS) consent in the preference centre at this time. */
  readonly withdrawal?: { readonly at: number; readonly channel: 'email' | 'sms' };
  /** Unsubscribes from marketing email in their account settings (emailOptIn: false) at this time. */
  readonly unsubscribeAt?: number;
}

/** How a customer buys: BG/NBD latent values and the repeat purchases they produced. */
export interface PurchasePlan {
  /** Purchases per day while alive. */
  readonly lambda: number;
  /** Dropout probability after each repeat purchase. */
  readonly dropout: number;
  /** Gamma-Gamma scale of this customer's spend (z ~ Gamma(p, ν)). */
  readonly nu: number;
  /** The first purchase (BG/NBD's time zero), epoch ms. */
  readonly firstOrderAt: number;
  /** Repeat purchases in (firstOrderAt, now], epoch ms. */
  readonly repeatOrderAts: readonly number[];
  /** Still alive at `now` (never dropped out). */
  readonly alive: boolean;
  /** Order values, one per order (first, then repeats), US dollars. */
  readonly orderValues: readonly number[];
}

/** One demo person. */
export interface Person {
  readonly index: number;
  readonly kind: PersonKind;
  readonly userId: string;
  readonly anonymousId: string;
  readonly email: string;
  readonly phone?: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly timezone: string;
  readonly offsetHours: number;
  readonly country: string;
  readonly locale: string;
  /** Categories this person browses most, favourite first. */
  readonly favouriteCategories: readonly string[];
  /** When they first show up (anonymous browsing may come first). */
  readonly firstSeenAt: number;
  /** When they identify (sign up); undefined for visitors. */
  readonly signUpAt?: number;
  readonly consent?: ConsentPlan;
  readonly purchases?: PurchasePlan;
}

/** The RNG of one person: each person draws from their own stream, so people are generated one by one. */
export function personRng(seed: string, index: number): Rng {
  return createRng(hashSeed(`${seed}\u0000person\u0000${index}`));
}

function pickWeighted<T extends { readonly weight: number }>(rng: Rng, items: readonly T[]): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let u = rng.next() * total;
  for (const item of items) {
    u -= item.weight;
    if (u < 0) return item;
  }
  return items[items.length - 1]!;
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;

const hex = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.int(16).toString(16)).join('');

const cents = (n: number) => Math.round(n * 100) / 100;

/**
 * Draws a customer's BG/NBD path from their first order to `now`: exponential gaps at rate λ, and a
 * dropout coin with probability p after each repeat purchase (as shared/domain/models/synthetic.ts).
 */
export function drawPurchases(
  rng: Rng,
  firstOrderAt: number,
  now: number,
  bg: BgNbdParams = CDNOW_BGNBD_DAYS,
  gg: GammaGammaParams = CDNOW_GAMMA_GAMMA,
): PurchasePlan {
  const lambda = rng.gamma(bg.r, bg.alpha);
  const dropout = rng.beta(bg.a, bg.b);
  const nu = rng.gamma(gg.q, gg.gamma);
  const horizonDays = (now - firstOrderAt) / DAY_MS;
  const repeatOrderAts: number[] = [];
  let t = 0;
  let alive = true;
  for (;;) {
    t += rng.exponential(lambda);
    if (t > horizonDays) break;
    repeatOrderAts.push(firstOrderAt + Math.round(t * DAY_MS));
    if (rng.bernoulli(dropout)) {
      alive = false;
      break;
    }
  }
  // Orders under a dollar are not orders; Gamma(p = 6.25) makes them vanishingly rare anyway.
  const orderValues = Array.from({ length: 1 + repeatOrderAts.length }, () =>
    Math.max(1, cents(rng.gamma(gg.p, nu))),
  );
  return { lambda, dropout, nu, firstOrderAt, repeatOrderAts, alive, orderValues };
}

/**
 * A local hour-of-day weighting: shops are busiest in the evening and quiet at night. Moves `t` to the
 * same local day at a drawn hour, staying within [lo, hi].
 */
function atLocalHour(rng: Rng, t: number, offsetHours: number, lo: number, hi: number): number {
  // biome-ignore format: 24 weights, one per local hour
  const HOURS = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 3.5, 4, 4.5, 5, 4.5, 4, 4, 4.5, 5, 6, 7.5, 8, 7, 5, 2.5];
  const items = HOURS.map((weight, hour) => ({ weight, hour }));
  const { hour } = pickWeighted(rng, items);
  const localMidnight = Math.floor((t + offsetHours * HOUR_MS) / DAY_MS) * DAY_MS - offsetHours * HOUR_MS;
  const moved = localMidnight + hour * HOUR_MS + rng.int(60) * MINUTE_MS + rng.int(60) * 1000;
  return moved >= lo && moved <= hi ? moved : t;
}

/** One person of a demo run: the same for the same seed, index, window and clock. */
export function demoPerson(options: DemoOptions, index: number): Person {
  const rng = personRng(options.seed, index);
  const { now } = options;
  const start = now - options.days * DAY_MS;
  const u = rng.next();
  const kind: PersonKind =
    u < KIND_SHARES.customer
      ? 'customer'
      : u < KIND_SHARES.customer + KIND_SHARES.prospect
        ? 'prospect'
        : 'visitor';
  const zone = pickWeighted(rng, ZONES);
  const firstName = pick(rng, FIRST_NAMES);
  const lastName = pick(rng, LAST_NAMES);
  const hasPhone = rng.bernoulli(0.4);
  // 555-01XX is reserved for fiction; +1 555 01 plus five digits keeps every number a valid E.164.
  const phone = hasPhone ? `+155501${String(index % 100_000).padStart(5, '0')}` : undefined;
  const favourite = pick(rng, CATEGORY_NAMES);
  const second = pick(
    rng,
    CATEGORY_NAMES.filter((c) => c !== favourite),
  );
  const base = {
    index,
    kind,
    userId: `person-${index}`,
    anonymousId: `anon-${hex(rng, 24)}`,
    email: `person-${index}@demo.feltfit.test`,
    ...(phone ? { phone } : {}),
    firstName,
    lastName,
    timezone: zone.timezone,
    offsetHours: zone.offsetHours,
    country: zone.country,
    locale: zone.locale,
    favouriteCategories: [favourite, second],
  };
  // First appearance: anywhere in the window, at a plausible local hour; at least an hour before now
  // so the sign-up session fits.
  const firstSeenAt = atLocalHour(
    rng,
    rng.uniform(start, now - HOUR_MS),
    zone.offsetHours,
    start,
    now - HOUR_MS,
  );
  if (kind === 'visitor') return { ...base, firstSeenAt };

  // Half the people browse anonymously for up to three days before they sign up.
  const anonymousFirst = rng.bernoulli(0.5);
  const signUpAt = anonymousFirst
    ? Math.min(now - 30 * MINUTE_MS, firstSeenAt + Math.round(rng.uniform(0.05, 3) * DAY_MS))
    : firstSeenAt;
  const email = rng.bernoulli(0.82);
  const sms = phone ? rng.bernoulli(0.55) : undefined;
  const later = () => Math.round(rng.uniform(signUpAt + HOUR_MS, now));
  const withdrawal =
    (email || sms) && rng.bernoulli(0.06) && signUpAt + HOUR_MS < now
      ? {
          at: later(),
          channel: email && (!sms || rng.bernoulli(0.7)) ? ('email' as const) : ('sms' as const),
        }
      : undefined;
  const unsubscribeAt =
    email && !withdrawal && rng.bernoulli(0.04) && signUpAt + HOUR_MS < now ? later() : undefined;
  const consent: ConsentPlan = {
    email,
    ...(sms !== undefined ? { sms } : {}),
    ...(withdrawal ? { withdrawal } : {}),
    ...(unsubscribeAt !== undefined ? { unsubscribeAt } : {}),
  };
  const person = { ...base, firstSeenAt: anonymousFirst ? firstSeenAt : signUpAt, signUpAt, consent };
  if (kind === 'prospect') return person;
  // A customer signs up at checkout: the first order follows the sign-up by minutes.
  const firstOrderAt = Math.min(now, signUpAt + Math.round(rng.uniform(4, 25) * MINUTE_MS));
  return { ...person, purchases: drawPurchases(rng, firstOrderAt, now) };
}
