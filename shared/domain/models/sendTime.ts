/**
 * Send-time optimisation: per profile, the local hour-of-week (0 = Monday 00:00–00:59 … 167 = Sunday
 * 23:00–23:59, in the profile's IANA time zone, DST-correct through Intl.DateTimeFormat) with the
 * highest expected engagement.
 *
 * Each profile's weighted engagement counts n_h over the 168 hours get a Dirichlet(κ·π) prior, π the
 * population distribution; the posterior mean (n_h + κπ_h) / (N + κ) shrinks a sparse profile toward
 * the population and lets a busy one speak for itself (weight on own data = N / (N + κ)). The prior
 * strength κ is estimated by empirical Bayes: maximising the Dirichlet-multinomial marginal
 * likelihood over all profiles, i.e. κ is how many events' worth of evidence the population is worth.
 */

import { zonedParts } from '../time-zone.js';
import { lnGamma } from './special.js';

export type EngagementType = 'open' | 'click' | 'session';

export interface EngagementEvent {
  profileId: string;
  type: EngagementType;
  /** Epoch milliseconds. */
  at: number;
}

export const HOURS_PER_WEEK = 168;

function localParts(at: number, timeZone: string): { hourOfWeek: number; minute: number } {
  // zonedParts throws RangeError for an unknown zone, which is what callers should see.
  const p = zonedParts(new Date(at), timeZone);
  const weekday = (p.weekday + 6) % 7; // Monday first
  return { hourOfWeek: weekday * 24 + (p.hour % 24), minute: p.minute };
}

/** Local hour-of-week of an instant in an IANA time zone (0 = Monday 00h). */
export function localHourOfWeek(at: number, timeZone: string): number {
  return localParts(at, timeZone).hourOfWeek;
}

/**
 * The first instant after `after` at which the zone's wall clock reads the start of `hourOfWeek`.
 * Scans quarter hours, so it handles half-hour zones and DST shifts; an hour skipped by a
 * spring-forward is found the following week.
 */
export function nextSendInstant(hourOfWeek: number, timeZone: string, after: number): number {
  const quarter = 900_000;
  let t = Math.floor(after / quarter) * quarter + quarter;
  for (let i = 0; i < (HOURS_PER_WEEK + 2) * 4 * 2; i++, t += quarter) {
    const p = localParts(t, timeZone);
    if (p.minute === 0 && p.hourOfWeek === hourOfWeek) return t;
  }
  throw new RangeError(`no instant found for hour-of-week ${hourOfWeek} in ${timeZone}`);
}

export interface SendTimeOptions {
  /** Weight of each engagement type (default open 1, click 2, session 0.5). */
  weights?: Partial<Record<EngagementType, number>>;
  /** Fixed prior strength κ; estimated from the data when omitted. */
  priorStrength?: number;
}

export interface SendTimeRecommendation {
  hourOfWeek: number;
  /** Posterior engagement share of that hour. */
  share: number;
  /** Weighted events observed for the profile. */
  observations: number;
  /** Weight on the profile's own data, N / (N + κ); 0 for an unseen profile. */
  ownDataWeight: number;
}

export interface SendTimeModel {
  population: Float64Array;
  priorStrength: number;
  /** Posterior mean distribution over the 168 local hours for a profile. */
  distribution(profileId: string): Float64Array;
  recommend(profileId: string): SendTimeRecommendation;
}

/** Dirichlet-multinomial log marginal likelihood of κ (terms free of κ dropped). */
function dirichletMultinomialLogLik(
  kappa: number,
  population: Float64Array,
  profiles: Iterable<Float64Array>,
): number {
  let ll = 0;
  const lnGammaPrior = new Float64Array(HOURS_PER_WEEK);
  for (let h = 0; h < HOURS_PER_WEEK; h++) lnGammaPrior[h] = lnGamma(kappa * population[h]!);
  const lnGammaKappa = lnGamma(kappa);
  for (const counts of profiles) {
    let n = 0;
    let s = 0;
    for (let h = 0; h < HOURS_PER_WEEK; h++) {
      const c = counts[h]!;
      if (c > 0) {
        n += c;
        s += lnGamma(c + kappa * population[h]!) - lnGammaPrior[h]!;
      }
    }
    ll += lnGammaKappa - lnGamma(n + kappa) + s;
  }
  return ll;
}

/** Golden-section maximisation of a unimodal function on [lo, hi]. */
function goldenMax(f: (x: number) => number, lo: number, hi: number, iterations = 60): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < iterations; i++) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

/**
 * Fits the population distribution and the prior strength from engagement events; `timeZoneOf`
 * gives each profile's IANA zone (e.g. from the profile store).
 */
export function fitSendTimeModel(
  events: readonly EngagementEvent[],
  timeZoneOf: (profileId: string) => string,
  options: SendTimeOptions = {},
): SendTimeModel {
  const weights = { open: 1, click: 2, session: 0.5, ...options.weights };
  const counts = new Map<string, Float64Array>();
  const totals = new Map<string, number>();
  for (const e of events) {
    let c = counts.get(e.profileId);
    if (!c) {
      c = new Float64Array(HOURS_PER_WEEK);
      counts.set(e.profileId, c);
    }
    const w = weights[e.type];
    c[localHourOfWeek(e.at, timeZoneOf(e.profileId))]! += w;
    totals.set(e.profileId, (totals.get(e.profileId) ?? 0) + w);
  }
  // Population: pooled counts, add-½ smoothing, then a [¼ ½ ¼] circular smoothing across adjacent hours.
  const pooled = new Float64Array(HOURS_PER_WEEK).fill(0.5);
  for (const c of counts.values()) for (let h = 0; h < HOURS_PER_WEEK; h++) pooled[h]! += c[h]!;
  const population = new Float64Array(HOURS_PER_WEEK);
  let sum = 0;
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    const v =
      0.25 * pooled[(h + HOURS_PER_WEEK - 1) % HOURS_PER_WEEK]! +
      0.5 * pooled[h]! +
      0.25 * pooled[(h + 1) % HOURS_PER_WEEK]!;
    population[h] = v;
    sum += v;
  }
  for (let h = 0; h < HOURS_PER_WEEK; h++) population[h] = population[h]! / sum;

  let priorStrength = options.priorStrength;
  if (priorStrength === undefined) {
    // Only profiles with ≥ 2 events say anything about how much profiles differ from the population.
    const informative = [...counts.entries()].filter(([id]) => (totals.get(id) ?? 0) >= 2).map(([, c]) => c);
    priorStrength =
      informative.length > 0
        ? Math.exp(
            goldenMax(
              (lk) => dirichletMultinomialLogLik(Math.exp(lk), population, informative),
              Math.log(0.5),
              Math.log(1e4),
            ),
          )
        : 10;
  }
  const kappa = priorStrength;
  const distribution = (profileId: string): Float64Array => {
    const c = counts.get(profileId);
    const n = totals.get(profileId) ?? 0;
    const out = new Float64Array(HOURS_PER_WEEK);
    for (let h = 0; h < HOURS_PER_WEEK; h++) out[h] = ((c?.[h] ?? 0) + kappa * population[h]!) / (n + kappa);
    return out;
  };
  return {
    population,
    priorStrength: kappa,
    distribution,
    recommend(profileId) {
      const d = distribution(profileId);
      let best = 0;
      for (let h = 1; h < HOURS_PER_WEEK; h++) if (d[h]! > d[best]!) best = h;
      const n = totals.get(profileId) ?? 0;
      return { hourOfWeek: best, share: d[best]!, observations: n, ownDataWeight: n / (n + kappa) };
    },
  };
}
