/**
 * ProfileReader for decide and journey-step: the decision view of a live profile, derived from the
 * stored state with the same pure functions the projector uses (featuresOf, consentOf), plus the
 * scorer's `scores` and the journey traits. No contact addresses: traits the profiles config types as
 * `email` or `phone` are left out, and so is everything contactOf returns.
 */
import { CHANNELS, type ProfilesConfig, PURPOSES } from '../../config/profiles.js';
import { featuresOf } from '../../domain/profiles/features.js';
import { consentOf } from '../../domain/profiles/state.js';
import type { DecisionProfile, ProfileReader } from '../../ports/journeys.js';
import type { ProfileStore, StoredProfile } from '../../ports/profiles.js';
import type { StoredJourneyTrait } from './journey-traits.js';

const DAY_MS = 86_400_000;

/** Median days between distinct purchase days: the person's own reorder cadence (≥ 2 days needed). */
export function reorderDays(orderDays: readonly string[]): number | undefined {
  const days = [...new Set(orderDays)]
    .map((d) => Date.parse(d))
    .filter(Number.isFinite)
    .sort((a, b) => a - b)
    .map((t) => t / DAY_MS);
  if (days.length < 2) return undefined;
  const gaps = days
    .slice(1)
    .map((d, i) => d - days[i]!)
    .sort((a, b) => a - b);
  const mid = Math.floor(gaps.length / 2);
  return gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
}

/** Segments named by the `segments` trait: a list, or a comma-separated string. */
function segmentsOf(traits: Readonly<Record<string, unknown>>): string[] {
  const raw = traits.segments;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  return [...new Set(list.filter((s): s is string => typeof s === 'string').map((s) => s.trim()))].filter(
    (s) => s.length > 0,
  );
}

export interface DecisionProfileOptions {
  /** The trait schema: traits typed `email` or `phone` are contact data and stay out. */
  readonly config: Pick<ProfilesConfig, 'traits' | 'hesitationWindowHours'>;
  /** Journey traits of the profile (and of profiles merged into it). */
  readonly journeyTraits?: Readonly<Record<string, StoredJourneyTrait>>;
  /** Hesitation signals older than `hesitationWindowHours` before now are not current. */
  readonly now: Date;
}

/** The decision view of a stored profile. Pure. */
export function decisionProfileOf(stored: StoredProfile, options: DecisionProfileOptions): DecisionProfile {
  const state = stored.state;
  const contactTraits = new Set(
    Object.entries(options.config.traits)
      .filter(([, spec]) => spec.type === 'email' || spec.type === 'phone')
      .map(([name]) => name),
  );
  // Declared traits win over journey traits of the same name: the source system is authoritative.
  const traits: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(options.journeyTraits ?? {})) traits[name] = t.v;
  for (const [name, reg] of Object.entries(state.traits)) {
    if (!contactTraits.has(name)) traits[name] = reg.v;
  }

  const f = featuresOf(state);
  const since = options.now.getTime() - options.config.hesitationWindowHours * 3_600_000;
  const hesitation: Record<string, string> = {};
  for (const [signal, at] of Object.entries(f.hesitation)) {
    if (at !== undefined && Date.parse(at) >= since) hesitation[signal] = at;
  }
  const cadence = reorderDays(Object.values(state.orders).map((o) => o.v.day));
  const lastOrderDay = f.purchases.lastPurchaseDay;

  const consent: Record<string, Record<string, boolean>> = {};
  for (const channel of CHANNELS) {
    const byPurpose: Record<string, boolean> = {};
    for (const purpose of PURPOSES) {
      const granted = consentOf(state, channel, purpose);
      // Transactional messages need no grant, only the absence of a withdrawal (hasConsent's rule).
      if (purpose === 'transactional') byPurpose[purpose] = granted !== false;
      else if (granted !== undefined) byPurpose[purpose] = granted;
    }
    consent[channel] = byPurpose;
  }

  const scores: Record<string, number> = {};
  for (const [name, value] of Object.entries(stored.scores?.values ?? {})) {
    if (typeof value === 'number' && Number.isFinite(value)) scores[name] = value;
  }

  const features: Record<string, unknown> = {
    // featuresOf's own summaries, for branch rules written against them (`purchases.orderCount`).
    purchases: f.purchases,
    support: f.support,
    ordersCount: f.purchases.orderCount,
    avgOrderValue: f.purchases.averageOrderValue,
    totalRevenue: f.purchases.totalRevenue,
    refundCount: f.purchases.refundCount,
    ...(lastOrderDay !== undefined
      ? {
          lastOrderDay,
          daysSinceLastOrder: Math.max(
            0,
            Math.floor((options.now.getTime() - Date.parse(lastOrderDay)) / DAY_MS),
          ),
        }
      : {}),
    ...(cadence !== undefined ? { reorderDays: cadence } : {}),
    ...(f.csat ? { lastCsat: f.csat.score, lastCsatAt: f.csat.at } : {}),
    ...(f.nps ? { lastNps: f.nps.score, lastNpsAt: f.nps.at } : {}),
    hesitation,
    ...(f.cart
      ? {
          cart: {
            cartId: f.cart.cartId,
            value: f.cart.value,
            itemCount: f.cart.items.reduce((n, l) => n + l.quantity, 0),
            productIds: f.cart.items.map((l) => l.productId),
            updatedAt: f.cart.updatedAt,
          },
        }
      : {}),
    ...(f.checkout ? { checkout: f.checkout } : {}),
    openTickets: f.support.openTickets,
    ...(f.support.lastResolvedAt ? { lastTicketResolvedAt: f.support.lastResolvedAt } : {}),
    recentlyViewedProducts: f.recentlyViewedProducts,
    recentlyViewedCategories: f.recentlyViewedCategories,
    ...(f.firstSeenAt ? { firstSeenAt: f.firstSeenAt } : {}),
    ...(f.lastSeenAt ? { lastSeenAt: f.lastSeenAt } : {}),
    ...(stored.scores ? { scoreBands: stored.scores.bands, scoredAt: stored.scores.at } : {}),
  };

  return {
    profileId: stored.profileId,
    traits,
    features,
    scores,
    consent,
    ...(state.timezone ? { timezone: state.timezone.v } : {}),
    segments: segmentsOf(traits),
  };
}

/** Reads journey traits of profile items (DynamoDbJourneyTraits). */
export interface JourneyTraitsReader {
  read(profileIds: readonly string[]): Promise<Record<string, StoredJourneyTrait>>;
}

/** ProfileReader over the profile store: the live profile (following merges) as decisions see it. */
export class StoreDecisionProfileReader implements ProfileReader {
  constructor(
    private readonly deps: {
      readonly store: Pick<ProfileStore, 'getLiveProfile'>;
      readonly journeyTraits: JourneyTraitsReader;
      readonly config: DecisionProfileOptions['config'];
      readonly now?: () => Date;
    },
  ) {}

  async get(profileId: string): Promise<DecisionProfile | undefined> {
    const stored = await this.deps.store.getLiveProfile(profileId);
    if (!stored) return undefined;
    // Traits a journey set on a profile before it was merged away still count; the live one wins.
    const ids = stored.profileId === profileId ? [profileId] : [profileId, stored.profileId];
    const journeyTraits = await this.deps.journeyTraits.read(ids);
    return decisionProfileOf(stored, {
      config: this.deps.config,
      journeyTraits,
      now: (this.deps.now ?? (() => new Date()))(),
    });
  }
}
