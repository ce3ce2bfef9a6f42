/**
 * The measurement report, computed from counters (or from raw records through `countersFrom`):
 * per journey, every variant against the journey's holdout with intervals, probability to beat,
 * the always-valid guard replayed over daily looks, a sample-ratio-mismatch check against the
 * configured split and a go / stop / keep-running recommendation; all marketing against the global
 * control group; last-touch attribution; KPIs and the north star; fairness of outcomes by cohort.
 * Pure: the CLI, the admin API and the benchmark call it with what the store returns.
 */
import type { MeasurementConfig } from '../../config/measurement.js';
import { SEND_TIME_EXPERIMENT } from '../experiments/send-time.js';
import type { JourneyDefinition } from '../journeys/definition.js';
import { experimentOf, isMarketing } from '../journeys/start.js';
import type { Exposure, TouchChannel } from './conversions.js';
import { studentTQuantile } from './distributions.js';
import {
  type ArmComparison,
  compareArms,
  type IntervalEstimate,
  newcombeDifference,
  type SampleRatioMismatch,
  type SequentialState,
  sampleRatioMismatch,
  sequentialLook,
  wilsonInterval,
} from './stats.js';

/** Sums of a per-recipient amount (each recipient's total squared in `sumSquares`). */
export interface AmountSums {
  readonly sum: number;
  readonly sumSquares: number;
}

/** Counters of one arm of one journey. */
export interface ArmCounters {
  readonly exposures: number;
  readonly conversions: number;
  readonly revenue: AmountSums;
  readonly margin: AmountSums;
  /**
   * Whole minutes from the exposure to its first credited conversion, summed over converted
   * exposures (and squared): the "time to first value" KPI. Integers, so DynamoDB's decimal sums and
   * a recomputation agree exactly. Absent in counters written before it was kept.
   */
  readonly minutesToConversion?: AmountSums;
}

/** Exposures assigned and conversions first credited on one UTC day. */
export interface DailyCounters {
  readonly day: string;
  readonly arm: string;
  readonly exposures: number;
  readonly conversions: number;
}

export interface JourneyCounters {
  readonly journey: string;
  readonly arms: Readonly<Record<string, ArmCounters>>;
  readonly daily: readonly DailyCounters[];
}

/** Conversions and revenue credited by last touch to one journey step on one channel. */
export interface AttributionCounters {
  readonly journey: string;
  readonly step: string;
  readonly channel: TouchChannel | 'none';
  readonly conversions: number;
  readonly revenue: number;
}

/** Outcome counters of one cohort (a declared trait's value) in one journey. */
export interface CohortCounters {
  readonly journey: string;
  readonly trait: string;
  readonly value: string;
  readonly exposures: number;
  readonly sends: number;
  readonly offers: number;
  /** Sum of the discounts offered (depth, e.g. 0.1 for 10 %). */
  readonly discountSum: number;
  readonly conversions: number;
}

export interface ReportInput {
  readonly generatedAt: string;
  readonly journeys: readonly JourneyCounters[];
  readonly attribution: readonly AttributionCounters[];
  /** Customers (≥ 1 order) and repeat customers (≥ 2) seen by the conversion recorder. */
  readonly customers: { readonly customers: number; readonly repeatCustomers: number };
  readonly cohorts?: readonly CohortCounters[];
}

export type ArmRole = 'variant' | 'holdout' | 'control';

export interface ArmReport {
  readonly arm: string;
  readonly role: ArmRole;
  readonly exposures: number;
  readonly conversions: number;
  readonly rate: IntervalEstimate;
  readonly revenuePerRecipient: number;
  readonly marginPerRecipient: number;
  /** Against the journey's holdout (variants only, when the journey has one). */
  readonly vsHoldout?: ArmComparison;
  /** Incremental conversions, revenue and margin over the holdout's rates, for this arm's exposures. */
  readonly incremental?: { readonly conversions: number; readonly revenue: number; readonly margin: number };
}

export interface JourneyReport {
  readonly journey: string;
  readonly name: string;
  readonly exposures: number;
  readonly arms: readonly ArmReport[];
  readonly srm: SampleRatioMismatch | undefined;
  /** Cumulative conversion rate per arm after each day (the "conversion over time" chart). */
  readonly overTime: readonly {
    readonly day: string;
    readonly arm: string;
    readonly rate: number;
    readonly exposures: number;
  }[];
}

export interface FairnessFinding {
  readonly journey: string;
  readonly trait: string;
  readonly value: string;
  readonly exposures: number;
  readonly sendRate: number;
  readonly offerRate: number;
  readonly averageDiscount: number;
  readonly conversionRate: number;
  /** Each rate divided by the highest rate among the trait's cohorts (disparate impact). */
  readonly ratios: { readonly send: number; readonly offer: number; readonly conversion: number };
  readonly flagged: readonly ('send' | 'offer' | 'conversion')[];
}

/** A journey KPI as configured in `measurement.kpis`, read from that journey's counters. */
export interface KpiReport {
  readonly name: string;
  readonly journey: string;
  readonly measure: MeasurementConfig['kpis'][number]['measure'];
  /** Undefined when the journey has no data for the measure yet (`basis` says why). */
  readonly value: IntervalEstimate | undefined;
  /** What the figure is computed from, in words. */
  readonly basis: string;
}

export interface Report {
  readonly generatedAt: string;
  readonly northStar: {
    readonly metric: MeasurementConfig['northStar'];
    readonly value: number;
    readonly detail: string;
  };
  /** All marketing against the global control group (assignment-level, marketing journeys). */
  readonly globalControl: {
    readonly treated: ArmReport;
    readonly control: ArmReport;
    readonly comparison?: ArmComparison;
  };
  readonly journeys: readonly JourneyReport[];
  readonly kpis: readonly KpiReport[];
  readonly attribution: readonly AttributionCounters[];
  readonly economics: {
    readonly incrementalConversions: number;
    readonly incrementalRevenue: number;
    readonly incrementalMargin: number;
    readonly attributedRevenue: number;
  };
  readonly fairness: readonly FairnessFinding[];
}

const ZERO: ArmCounters = {
  exposures: 0,
  conversions: 0,
  revenue: { sum: 0, sumSquares: 0 },
  margin: { sum: 0, sumSquares: 0 },
};

const roleOf = (arm: string): ArmRole =>
  arm === 'holdout' ? 'holdout' : arm === 'control' ? 'control' : 'variant';

/** Replays the always-valid guard over the daily looks (cumulative counts), as if checked daily. */
function sequentialOverDays(
  daily: readonly DailyCounters[],
  arm: string,
  control: string,
  config: MeasurementConfig['statistics'],
): SequentialState | undefined {
  const days = [...new Set(daily.map((d) => d.day))].sort();
  let state: SequentialState | undefined;
  const total = { [arm]: { exposures: 0, conversions: 0 }, [control]: { exposures: 0, conversions: 0 } };
  for (const day of days) {
    for (const d of daily) {
      if (d.day !== day || !(d.arm in total)) continue;
      total[d.arm]!.exposures += d.exposures;
      total[d.arm]!.conversions += d.conversions;
    }
    const a = total[arm]!;
    const c = total[control]!;
    if (a.exposures < 2 || c.exposures < 2) continue;
    const look = sequentialLook(
      { exposures: a.exposures, conversions: Math.min(a.conversions, a.exposures) },
      { exposures: c.exposures, conversions: Math.min(c.conversions, c.exposures) },
      { tauSquared: config.tauSquared, alpha: 1 - config.confidence },
      state,
    );
    state = { pValue: look.pValue, interval: look.interval };
  }
  return state;
}

/** Expected share of each observed arm under the journey's configured split and global control. */
function expectedShares(
  journey: JourneyDefinition | undefined,
  arms: readonly string[],
  globalShare: number,
  sendTimeHoldoutShare: number | undefined,
): number[] | undefined {
  if (!journey) {
    // The send-time experiment: its holdout share of the waits, the rest optimised.
    if (sendTimeHoldoutShare === undefined || sendTimeHoldoutShare <= 0) return undefined;
    const shares = arms.map((a) =>
      a === 'holdout' ? sendTimeHoldoutShare : a === 'optimised' ? 1 - sendTimeHoldoutShare : undefined,
    );
    return shares.every((s): s is number => s !== undefined && s > 0) ? shares : undefined;
  }
  const split = experimentOf(journey);
  const g = isMarketing(journey) ? globalShare : 0;
  const weights = split ? split.variants.reduce((n, v) => n + v.weight, 0) : 0;
  const share = (arm: string): number | undefined => {
    if (arm === 'control') return g;
    if (!split) return arm === 'default' ? 1 - g : undefined;
    if (arm === 'holdout') return (1 - g) * split.holdoutShare;
    const v = split.variants.find((x) => x.id === arm);
    return v ? (1 - g) * (1 - split.holdoutShare) * (v.weight / weights) : undefined;
  };
  const shares = arms.map(share);
  return shares.every((s): s is number => s !== undefined && s > 0) ? shares : undefined;
}

function armReport(arm: string, c: ArmCounters, confidence: number): ArmReport {
  return {
    arm,
    role: roleOf(arm),
    exposures: c.exposures,
    conversions: c.conversions,
    rate:
      c.exposures > 0
        ? wilsonInterval(Math.min(c.conversions, c.exposures), c.exposures, confidence)
        : { estimate: 0, lower: 0, upper: 1 },
    revenuePerRecipient: c.exposures ? c.revenue.sum / c.exposures : 0,
    marginPerRecipient: c.exposures ? c.margin.sum / c.exposures : 0,
  };
}

function journeyReport(
  counters: JourneyCounters,
  definition: JourneyDefinition | undefined,
  config: MeasurementConfig,
  globalShare: number,
  sendTimeHoldoutShare: number | undefined,
): JourneyReport {
  const s = config.statistics;
  const names = Object.keys(counters.arms).sort();
  const observed = names.filter((a) => (counters.arms[a]?.exposures ?? 0) > 0);
  const shares =
    definition || counters.journey === SEND_TIME_EXPERIMENT
      ? expectedShares(definition, observed, globalShare, sendTimeHoldoutShare)
      : undefined;
  const srm =
    shares && observed.length >= 2
      ? sampleRatioMismatch(
          observed.map((a) => counters.arms[a]!.exposures),
          shares,
          s.srmThreshold,
        )
      : undefined;
  const holdout = counters.arms.holdout;
  const arms = names.map((arm): ArmReport => {
    const c = counters.arms[arm] ?? ZERO;
    const base = armReport(arm, c, s.confidence);
    if (roleOf(arm) !== 'variant' || !holdout || holdout.exposures < 1 || c.exposures < 1) return base;
    const previous = sequentialOverDays(counters.daily, arm, 'holdout', s);
    const vsHoldout = compareArms(c, holdout, {
      confidence: s.confidence,
      sequential: { tauSquared: s.tauSquared, alpha: 1 - s.confidence },
      ...(previous ? { previous } : {}),
      ...(srm ? { srm } : {}),
      srmThreshold: s.srmThreshold,
      minSamplePerArm: s.minSamplePerArm,
      ...(s.minimumEffect !== undefined ? { minimumEffect: s.minimumEffect } : {}),
    });
    const rateGap = c.conversions / c.exposures - holdout.conversions / holdout.exposures;
    return {
      ...base,
      vsHoldout,
      incremental: {
        conversions: rateGap * c.exposures,
        revenue: (c.revenue.sum / c.exposures - holdout.revenue.sum / holdout.exposures) * c.exposures,
        margin: (c.margin.sum / c.exposures - holdout.margin.sum / holdout.exposures) * c.exposures,
      },
    };
  });
  const days = [...new Set(counters.daily.map((d) => d.day))].sort();
  const running: Record<string, { e: number; c: number }> = {};
  const overTime: JourneyReport['overTime'][number][] = [];
  for (const day of days) {
    for (const d of counters.daily.filter((x) => x.day === day)) {
      const r = running[d.arm] ?? { e: 0, c: 0 };
      running[d.arm] = r;
      r.e += d.exposures;
      r.c += d.conversions;
    }
    for (const [arm, r] of Object.entries(running)) {
      overTime.push({ day, arm, exposures: r.e, rate: r.e ? Math.min(1, r.c / r.e) : 0 });
    }
  }
  return {
    journey: counters.journey,
    name:
      definition?.name ??
      (counters.journey === SEND_TIME_EXPERIMENT
        ? 'Send-time optimisation (best hour against a fixed hour)'
        : counters.journey),
    exposures: names.reduce((n, a) => n + (counters.arms[a]?.exposures ?? 0), 0),
    arms,
    srm,
    overTime,
  };
}

const addSums = (a: AmountSums | undefined, b: AmountSums | undefined): AmountSums => ({
  sum: (a?.sum ?? 0) + (b?.sum ?? 0),
  sumSquares: (a?.sumSquares ?? 0) + (b?.sumSquares ?? 0),
});

function add(a: ArmCounters, b: ArmCounters): ArmCounters {
  return {
    exposures: a.exposures + b.exposures,
    conversions: a.conversions + b.conversions,
    revenue: addSums(a.revenue, b.revenue),
    margin: addSums(a.margin, b.margin),
    minutesToConversion: addSums(a.minutesToConversion, b.minutesToConversion),
  };
}

/** Mean of a per-recipient amount with Student's t interval (n − 1 degrees of freedom). */
function meanInterval(sums: AmountSums, n: number, confidence: number): IntervalEstimate {
  const mean = sums.sum / n;
  if (n < 2) return { estimate: mean, lower: mean, upper: mean };
  const variance = Math.max(0, (sums.sumSquares - n * mean * mean) / (n - 1));
  const half = studentTQuantile(1 - (1 - confidence) / 2, n - 1) * Math.sqrt(variance / n);
  return { estimate: mean, lower: Math.max(0, mean - half), upper: mean + half };
}

/** One configured KPI, from its journey's counters: treated arms pooled against the holdout. */
function kpiReport(
  kpi: MeasurementConfig['kpis'][number],
  counters: JourneyCounters | undefined,
  confidence: number,
): KpiReport {
  const base = { name: kpi.name, journey: kpi.journey, measure: kpi.measure };
  let treated = ZERO;
  for (const [arm, c] of Object.entries(counters?.arms ?? {})) {
    if (roleOf(arm) === 'variant') treated = add(treated, c);
  }
  const holdout = counters?.arms.holdout;
  if (treated.exposures === 0) return { ...base, value: undefined, basis: 'no recipients yet' };
  const conversions = Math.min(treated.conversions, treated.exposures);
  switch (kpi.measure) {
    case 'conversionRate':
      return {
        ...base,
        value: wilsonInterval(conversions, treated.exposures, confidence),
        basis: `${conversions} of ${treated.exposures} recipients converted within the window`,
      };
    case 'revenuePerRecipient':
      return {
        ...base,
        value: meanInterval(treated.revenue, treated.exposures, confidence),
        basis: `revenue of ${treated.exposures} recipients within the window`,
      };
    case 'daysToConversion': {
      const minutes = treated.minutesToConversion;
      if (!minutes || conversions === 0) return { ...base, value: undefined, basis: 'no conversions yet' };
      const perDay = 1440;
      const days = { sum: minutes.sum / perDay, sumSquares: minutes.sumSquares / perDay ** 2 };
      return {
        ...base,
        value: meanInterval(days, conversions, confidence),
        basis: `mean days from entry to the first conversion, over ${conversions} converted recipients`,
      };
    }
    case 'lift': {
      if (!holdout || holdout.exposures === 0)
        return { ...base, value: undefined, basis: 'no holdout recipients yet' };
      const control = {
        exposures: holdout.exposures,
        conversions: Math.min(holdout.conversions, holdout.exposures),
      };
      return {
        ...base,
        value: newcombeDifference({ exposures: treated.exposures, conversions }, control, confidence),
        basis: `${treated.exposures} treated against ${holdout.exposures} held out (absolute, in rate points)`,
      };
    }
  }
}

/** Disparate impact of outcomes across each trait's cohorts, per journey. */
export function fairnessFindings(
  cohorts: readonly CohortCounters[],
  config: MeasurementConfig['fairness'],
): FairnessFinding[] {
  const groups = new Map<string, CohortCounters[]>();
  for (const c of cohorts) {
    const key = `${c.journey}\u0000${c.trait}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const out: FairnessFinding[] = [];
  for (const members of groups.values()) {
    const rates = members.map((c) => ({
      c,
      send: c.exposures ? c.sends / c.exposures : 0,
      offer: c.exposures ? c.offers / c.exposures : 0,
      conversion: c.exposures ? c.conversions / c.exposures : 0,
    }));
    const eligible = rates.filter((r) => r.c.exposures >= config.minExposures);
    const best = (k: 'send' | 'offer' | 'conversion') => Math.max(0, ...eligible.map((r) => r[k]));
    const top = { send: best('send'), offer: best('offer'), conversion: best('conversion') };
    for (const r of rates) {
      const ratio = (k: 'send' | 'offer' | 'conversion') => (top[k] > 0 ? r[k] / top[k] : 1);
      const ratios = { send: ratio('send'), offer: ratio('offer'), conversion: ratio('conversion') };
      const flagged =
        r.c.exposures >= config.minExposures
          ? (['send', 'offer', 'conversion'] as const).filter((k) => ratios[k] < config.minRatio)
          : [];
      out.push({
        journey: r.c.journey,
        trait: r.c.trait,
        value: r.c.value,
        exposures: r.c.exposures,
        sendRate: r.send,
        offerRate: r.offer,
        averageDiscount: r.c.offers ? r.c.discountSum / r.c.offers : 0,
        conversionRate: r.conversion,
        ratios,
        flagged,
      });
    }
  }
  return out;
}

/**
 * Builds the report. `journeys` are the deployed definitions (names, splits, marketing or not);
 * `sendTimeHoldoutShare` (journeys `experiments.sendTime.holdoutShare`) lets the send-time comparison
 * check its split too.
 */
export function buildReport(
  input: ReportInput,
  journeys: readonly JourneyDefinition[],
  config: MeasurementConfig,
  globalShare: number,
  sendTimeHoldoutShare?: number,
): Report {
  const byId = new Map(journeys.map((j) => [j.id, j]));
  const reports = input.journeys.map((c) =>
    journeyReport(c, byId.get(c.journey), config, globalShare, sendTimeHoldoutShare),
  );
  const countersOf = new Map(input.journeys.map((c) => [c.journey, c]));
  const kpis = config.kpis.map((k) => kpiReport(k, countersOf.get(k.journey), config.statistics.confidence));

  let treated = ZERO;
  let control = ZERO;
  for (const c of input.journeys) {
    const definition = byId.get(c.journey);
    if (definition && !isMarketing(definition)) continue;
    // The send-time holdout's exposures are send waits inside journeys already counted here.
    if (c.journey === SEND_TIME_EXPERIMENT) continue;
    for (const [arm, counters] of Object.entries(c.arms)) {
      if (arm === 'control') control = add(control, counters);
      else treated = add(treated, counters);
    }
  }
  const s = config.statistics;
  const globalComparison =
    treated.exposures > 0 && control.exposures > 0
      ? compareArms(treated, control, {
          confidence: s.confidence,
          sequential: { tauSquared: s.tauSquared, alpha: 1 - s.confidence },
          expectedShares: [1 - globalShare, globalShare],
          srmThreshold: s.srmThreshold,
          minSamplePerArm: s.minSamplePerArm,
        })
      : undefined;

  // Journeys' increments over their holdouts; the send-time gain is part of theirs, not added to it.
  const incremental = reports
    .filter((r) => r.journey !== SEND_TIME_EXPERIMENT)
    .flatMap((r) => r.arms.flatMap((a) => (a.incremental ? [a.incremental] : [])));
  const sum = (k: 'conversions' | 'revenue' | 'margin') => incremental.reduce((n, x) => n + x[k], 0);
  const { customers, repeatCustomers } = input.customers;
  const repeatRate = customers ? repeatCustomers / customers : 0;
  const northStar =
    config.northStar === 'repeatPurchaseRate'
      ? {
          metric: config.northStar,
          value: repeatRate,
          detail: `${repeatCustomers} of ${customers} customers ordered more than once`,
        }
      : {
          metric: config.northStar,
          value: sum('revenue'),
          detail: 'revenue over journey holdouts, summed over journeys and variants',
        };
  return {
    generatedAt: input.generatedAt,
    northStar,
    globalControl: {
      treated: armReport('marketing', treated, s.confidence),
      control: armReport('control', control, s.confidence),
      ...(globalComparison ? { comparison: globalComparison } : {}),
    },
    journeys: reports,
    kpis,
    attribution: [...input.attribution].sort((a, b) => b.revenue - a.revenue),
    economics: {
      incrementalConversions: sum('conversions'),
      incrementalRevenue: sum('revenue'),
      incrementalMargin: sum('margin'),
      attributedRevenue: input.attribution
        .filter((a) => a.channel !== 'none')
        .reduce((n, a) => n + a.revenue, 0),
    },
    fairness: input.cohorts ? fairnessFindings(input.cohorts, config.fairness) : [],
  };
}

/** Where stored counters and counters rebuilt from the raw records disagree. */
export interface CounterDifference {
  readonly journey: string;
  readonly arm: string;
  readonly measure: 'exposures' | 'conversions' | 'revenue' | 'margin';
  readonly stored: number;
  readonly rebuilt: number;
}

/**
 * Compares stored counters with counters rebuilt from raw records (`countersFrom`): a counter update
 * lost after its raw record was written (a crash between the two) shows as a difference. Sums are
 * compared to a cent.
 */
export function counterDifferences(
  stored: readonly JourneyCounters[],
  rebuilt: readonly JourneyCounters[],
): CounterDifference[] {
  const byJourney = new Map(stored.map((c) => [c.journey, c]));
  const journeys = [...new Set([...stored, ...rebuilt].map((c) => c.journey))].sort();
  const rebuiltBy = new Map(rebuilt.map((c) => [c.journey, c]));
  const out: CounterDifference[] = [];
  for (const journey of journeys) {
    const s = byJourney.get(journey)?.arms ?? {};
    const r = rebuiltBy.get(journey)?.arms ?? {};
    for (const arm of [...new Set([...Object.keys(s), ...Object.keys(r)])].sort()) {
      const a = s[arm] ?? ZERO;
      const b = r[arm] ?? ZERO;
      const pairs = [
        ['exposures', a.exposures, b.exposures],
        ['conversions', a.conversions, b.conversions],
        ['revenue', a.revenue.sum, b.revenue.sum],
        ['margin', a.margin.sum, b.margin.sum],
      ] as const;
      for (const [measure, x, y] of pairs) {
        if (Math.abs(x - y) >= 0.005) out.push({ journey, arm, measure, stored: x, rebuilt: y });
      }
    }
  }
  return out;
}

/** Whole minutes from an exposure to a conversion, never negative (a whole-second time rounds down). */
export function minutesBetween(exposureAt: string, conversionAt: string): number {
  return Math.max(0, Math.round((Date.parse(conversionAt) - Date.parse(exposureAt)) / 60_000));
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

/** A conversion as the raw records keep it (credited to one exposure). */
export interface CreditedConversion {
  readonly executionName: string;
  readonly conversionId: string;
  readonly at: string;
  readonly revenue: number;
  readonly margin: number;
}

/**
 * Counters recomputed from raw records: what the store's counters hold, rebuilt from the exposure
 * and credited-conversion records (after a crash between the raw write and the counter update, or to
 * re-window). One pass over each list; the benchmark runs it on a million exposures.
 */
export function countersFrom(
  exposures: readonly Exposure[],
  conversions: readonly CreditedConversion[],
): JourneyCounters[] {
  const perExposure = new Map<string, { revenue: number; margin: number; first: string }>();
  for (const c of conversions) {
    const cur = perExposure.get(c.executionName);
    if (cur) {
      cur.revenue += c.revenue;
      cur.margin += c.margin;
      if (c.at < cur.first) cur.first = c.at;
    } else perExposure.set(c.executionName, { revenue: c.revenue, margin: c.margin, first: c.at });
  }
  type Mutable = {
    exposures: number;
    conversions: number;
    revenue: AmountSums;
    margin: AmountSums;
    minutesToConversion: AmountSums;
  };
  const journeys = new Map<
    string,
    {
      arms: Map<string, Mutable>;
      daily: Map<string, DailyCounters & { exposures: number; conversions: number }>;
    }
  >();
  const bucket = (journey: string) =>
    getOrCreate(journeys, journey, () => ({ arms: new Map(), daily: new Map() }));
  const day = (iso: string) => iso.slice(0, 10);
  const dailyOf = (j: ReturnType<typeof bucket>, d: string, arm: string) => {
    const key = `${d}\u0000${arm}`;
    return getOrCreate(j.daily, key, () => ({ day: d, arm, exposures: 0, conversions: 0 })) as {
      day: string;
      arm: string;
      exposures: number;
      conversions: number;
    };
  };
  for (const e of exposures) {
    const j = bucket(e.journey);
    const a = getOrCreate(j.arms, e.arm, () => ({
      exposures: 0,
      conversions: 0,
      revenue: { sum: 0, sumSquares: 0 },
      margin: { sum: 0, sumSquares: 0 },
      minutesToConversion: { sum: 0, sumSquares: 0 },
    }));
    a.exposures++;
    dailyOf(j, day(e.at), e.arm).exposures++;
    const conv = perExposure.get(e.executionName);
    if (conv) {
      a.conversions++;
      a.revenue = { sum: a.revenue.sum + conv.revenue, sumSquares: a.revenue.sumSquares + conv.revenue ** 2 };
      a.margin = { sum: a.margin.sum + conv.margin, sumSquares: a.margin.sumSquares + conv.margin ** 2 };
      const minutes = minutesBetween(e.at, conv.first);
      a.minutesToConversion = {
        sum: a.minutesToConversion.sum + minutes,
        sumSquares: a.minutesToConversion.sumSquares + minutes ** 2,
      };
      dailyOf(j, day(conv.first), e.arm).conversions++;
    }
  }
  return [...journeys.entries()].map(([journey, j]) => ({
    journey,
    arms: Object.fromEntries(j.arms),
    daily: [...j.daily.values()].sort((a, b) => a.day.localeCompare(b.day) || a.arm.localeCompare(b.arm)),
  }));
}
