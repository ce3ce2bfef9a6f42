/**
 * Measurement bench: the report recomputed from raw records — `countersFrom` over one million
 * exposure records and their credited orders, then `buildReport` — against a baseline that does the
 * least any recomputation must (one pass joining conversions to exposures and summing exposures and
 * conversions per journey and arm into a Map); and `buildReport` alone from the counters, which is
 * what the admin API does per request. Seeded synthetic data; prints figures, never asserts a time.
 */
import { performance } from 'node:perf_hooks';
import { defaultJourneysConfig } from '../../shared/config/journeys.js';
import { defaultMeasurementConfig } from '../../shared/config/measurement.js';
import { experimentOf } from '../../shared/domain/journeys/start.js';
import type { Exposure } from '../../shared/domain/measurement/conversions.js';
import {
  buildReport,
  type CreditedConversion,
  countersFrom,
  type JourneyCounters,
  type ReportInput,
} from '../../shared/domain/measurement/report.js';
import { createRng, type Rng } from '../../shared/domain/random.js';

const EXPOSURES = 1_000_000;
const DAYS = 30;
const JOURNEY_COUNT = 5;
const START = Date.UTC(2026, 10, 1);
const DAY_MS = 86_400_000;
const GLOBAL = defaultJourneysConfig.experiments.globalControl.share;
/** Conversion probability per exposure: ~10 % overall, variants a little above the holdout. */
const RATE = { control: 0.09, holdout: 0.09, variant: 0.105 } as const;
/** Share of converters who order a second time within the window (repeat credits). */
const SECOND_ORDER = 0.2;

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Median of `repeats` timed runs after one warm-up run (JIT). */
function time<T>(fn: () => T, repeats: number): { ms: number; result: T } {
  let result = fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    result = fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), result };
}

/** The first journeys of the catalogue that have a split, with a sampler of their arms. */
function journeyArms() {
  return defaultJourneysConfig.journeys
    .flatMap((journey) => {
      const split = experimentOf(journey);
      return split ? [{ journey, split }] : [];
    })
    .slice(0, JOURNEY_COUNT)
    .map(({ journey, split }) => {
      const total = split.variants.reduce((n, v) => n + v.weight, 0);
      /** Global control, then the journey holdout, then the variants by weight (as start-journey splits). */
      const arm = (rng: Rng): string => {
        if (rng.next() < GLOBAL) return 'control';
        if (rng.next() < split.holdoutShare) return 'holdout';
        let u = rng.next() * total;
        for (const v of split.variants) {
          u -= v.weight;
          if (u < 0) return v.id;
        }
        return split.variants[split.variants.length - 1]!.id;
      };
      return { id: journey.id, arm };
    });
}

/** One million exposures over the journeys and days, ~10 % credited with one or two orders. */
function generate(seed: number) {
  const rng = createRng(seed);
  const journeys = journeyArms();
  const exposures: Exposure[] = new Array(EXPOSURES);
  const credits: CreditedConversion[] = [];
  for (let i = 0; i < EXPOSURES; i++) {
    const j = journeys[rng.int(journeys.length)]!;
    const arm = j.arm(rng);
    const t = START + rng.int(DAYS) * DAY_MS + rng.int(DAY_MS);
    const executionName = `e${i}`;
    exposures[i] = {
      journey: j.id,
      executionName,
      profileId: `p${i}`,
      arm,
      experiment: `${j.id}:split`,
      at: new Date(t).toISOString(),
    };
    const rate = arm === 'control' || arm === 'holdout' ? RATE[arm] : RATE.variant;
    if (!rng.bernoulli(rate)) continue;
    const orders = rng.bernoulli(SECOND_ORDER) ? 2 : 1;
    for (let k = 0; k < orders; k++) {
      const revenue = Math.round(rng.gamma(2, 2 / 60) * 100) / 100; // mean 60
      credits.push({
        executionName,
        conversionId: `o${i}-${k}`,
        at: new Date(t + rng.int(7 * DAY_MS)).toISOString(),
        revenue,
        margin: revenue * defaultMeasurementConfig.conversion.marginRate,
      });
    }
  }
  return { exposures, credits };
}

/** The least a recomputation must do: join conversions to exposures, count per journey and arm. */
function baseline(exposures: readonly Exposure[], credits: readonly CreditedConversion[]) {
  const converted = new Set<string>();
  for (const c of credits) converted.add(c.executionName);
  const out = new Map<string, Map<string, { exposures: number; conversions: number }>>();
  for (const e of exposures) {
    let arms = out.get(e.journey);
    if (!arms) {
      arms = new Map();
      out.set(e.journey, arms);
    }
    let a = arms.get(e.arm);
    if (!a) {
      a = { exposures: 0, conversions: 0 };
      arms.set(e.arm, a);
    }
    a.exposures++;
    if (converted.has(e.executionName)) a.conversions++;
  }
  return out;
}

/** Whether the recomputed counters hold the baseline's exposures and conversions per journey and arm. */
function agrees(counters: readonly JourneyCounters[], base: ReturnType<typeof baseline>): boolean {
  if (counters.length !== base.size) return false;
  return counters.every((j) => {
    const arms = base.get(j.journey);
    if (!arms || arms.size !== Object.keys(j.arms).length) return false;
    return [...arms].every(
      ([arm, b]) => j.arms[arm]?.exposures === b.exposures && j.arms[arm]?.conversions === b.conversions,
    );
  });
}

export async function benchMeasurement(): Promise<void> {
  console.log('\n## Measurement');
  const t0 = performance.now();
  const { exposures, credits } = generate(20_261_101);
  const generated = (performance.now() - t0) / 1000;
  const journeys = defaultJourneysConfig.journeys;
  const inputOf = (counters: readonly JourneyCounters[]): ReportInput => ({
    generatedAt: '2026-12-08T00:00:00.000Z',
    journeys: counters,
    attribution: [],
    customers: { customers: 90_000, repeatCustomers: 18_000 },
  });
  const report = (counters: readonly JourneyCounters[]) =>
    buildReport(inputOf(counters), journeys, defaultMeasurementConfig, GLOBAL);

  const full = time(() => report(countersFrom(exposures, credits)), 3);
  const base = time(() => baseline(exposures, credits), 3);
  const counters = countersFrom(exposures, credits);
  const converting = [...base.result.values()]
    .flatMap((arms) => [...arms.values()])
    .reduce((n, a) => n + a.conversions, 0);
  const reportOnly = time(() => {
    for (let i = 0; i < 100; i++) report(counters);
  }, 5);
  const perReport = reportOnly.ms / 100;
  const dailyRows = counters.reduce((n, j) => n + j.daily.length, 0);
  const rate = (ms: number) => fmt(EXPOSURES / (ms / 1000));

  console.log(
    `measurement: ${fmt(EXPOSURES)} exposure records (${counters.length} journeys × ${DAYS} days, ${fmt((100 * converting) / EXPOSURES, 1)} % converting), ${fmt(credits.length)} credited orders; generated in ${fmt(generated, 1)} s (seeded)`,
  );
  console.log(
    `  countersFrom + buildReport          ${fmt(full.ms, 1).padStart(8)} ms  → ${rate(full.ms).padStart(11)} exposure records/s (median of 3)`,
  );
  console.log(
    `  baseline: one pass, Map per journey/arm ${fmt(base.ms, 1).padStart(5)} ms  → ${rate(base.ms).padStart(11)} exposure records/s (median of 3)`,
  );
  console.log(`  ratio to baseline                   ${fmt(full.ms / base.ms, 2).padStart(8)} ×`);
  console.log(
    `  buildReport alone from counters     ${fmt(perReport, 3).padStart(8)} ms per report (${fmt(1000 / perReport)} reports/s; ${counters.length} journeys, ${dailyRows} daily rows)`,
  );
  console.log(
    `  recomputed counters agree with the baseline's exposures and conversions per journey and arm: ${agrees(counters, base.result) ? 'yes' : 'NO'}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMeasurement();
