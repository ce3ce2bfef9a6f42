import { describe, expect, it } from 'vitest';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import { defaultMeasurementConfig, MeasurementConfig } from '../../../shared/config/measurement.js';
import type { Exposure } from '../../../shared/domain/measurement/conversions.js';
import {
  buildReport,
  type CreditedConversion,
  countersFrom,
  fairnessFindings,
} from '../../../shared/domain/measurement/report.js';
import { createRng } from '../../../shared/domain/random.js';

const journeys = defaultJourneysConfig.journeys;
const GLOBAL = defaultJourneysConfig.experiments.globalControl.share;

/** Cart-recovery exposures over 10 days in the configured proportions, with conversions at given rates. */
function simulate(rates: Record<string, number>, perDay: number, seed = 7) {
  const rng = createRng(seed);
  const exposures: Exposure[] = [];
  const conversions: CreditedConversion[] = [];
  let n = 0;
  for (let day = 0; day < 10; day++) {
    for (let i = 0; i < perDay; i++) {
      const u = rng.next();
      // global control 5 %, then holdout 10 %, then empathy / reminder halves.
      const arm =
        u < GLOBAL
          ? 'control'
          : u < GLOBAL + (1 - GLOBAL) * 0.1
            ? 'holdout'
            : rng.next() < 0.5
              ? 'empathy'
              : 'reminder';
      const at = new Date(Date.UTC(2026, 10, 1 + day, 10)).toISOString();
      const name = `e${n++}`;
      exposures.push({
        journey: 'cart-recovery',
        executionName: name,
        profileId: name,
        arm,
        experiment: 'x',
        at,
      });
      if (rng.next() < (rates[arm] ?? 0)) {
        conversions.push({ executionName: name, conversionId: `o${n}`, at, revenue: 50, margin: 20 });
      }
    }
  }
  return { exposures, conversions };
}

describe('countersFrom', () => {
  it('counts exposures, converted exposures and per-recipient sums of squares (two orders of one recipient)', () => {
    const exposures: Exposure[] = [
      {
        journey: 'j',
        executionName: 'a',
        profileId: 'p1',
        arm: 'v',
        experiment: null,
        at: '2026-11-01T10:00:00.000Z',
      },
      {
        journey: 'j',
        executionName: 'b',
        profileId: 'p2',
        arm: 'v',
        experiment: null,
        at: '2026-11-02T10:00:00.000Z',
      },
    ];
    const conversions: CreditedConversion[] = [
      { executionName: 'a', conversionId: 'o1', at: '2026-11-03T10:00:00.000Z', revenue: 30, margin: 10 },
      { executionName: 'a', conversionId: 'o2', at: '2026-11-02T10:00:00.000Z', revenue: 20, margin: 5 },
    ];
    const [j] = countersFrom(exposures, conversions);
    expect(j!.arms.v).toEqual({
      exposures: 2,
      conversions: 1,
      revenue: { sum: 50, sumSquares: 2500 }, // (30 + 20)², not 30² + 20²
      margin: { sum: 15, sumSquares: 225 },
      // Time to first value: the first order came one day (1,440 minutes) after the exposure.
      minutesToConversion: { sum: 1440, sumSquares: 1440 ** 2 },
    });
    // The conversion is dated by its first order.
    expect(j!.daily).toEqual([
      { day: '2026-11-01', arm: 'v', exposures: 1, conversions: 0 },
      { day: '2026-11-02', arm: 'v', exposures: 1, conversions: 1 },
    ]);
  });
});

describe('buildReport', () => {
  it('compares each variant with the holdout, checks the split, and says go for a clear winner only', () => {
    const { exposures, conversions } = simulate(
      { control: 0.1, holdout: 0.1, empathy: 0.2, reminder: 0.1 },
      1000,
    );
    const report = buildReport(
      {
        generatedAt: '2026-11-12T00:00:00Z',
        journeys: countersFrom(exposures, conversions),
        attribution: [],
        customers: { customers: 10, repeatCustomers: 3 },
      },
      journeys,
      defaultMeasurementConfig,
      GLOBAL,
    );
    const cart = report.journeys.find((j) => j.journey === 'cart-recovery')!;
    expect(cart.srm?.mismatch).toBe(false);
    const empathy = cart.arms.find((a) => a.arm === 'empathy')!;
    const reminder = cart.arms.find((a) => a.arm === 'reminder')!;
    expect(empathy.vsHoldout!.absoluteLift.lower).toBeGreaterThan(0);
    // True lift 0.10 (one seeded draw: coverage itself is checked in stats.test.ts).
    expect(Math.abs(empathy.vsHoldout!.absoluteLift.estimate - 0.1)).toBeLessThan(0.04);
    expect(empathy.vsHoldout!.recommendation.decision).toBe('go');
    expect(reminder.vsHoldout!.recommendation.decision).not.toBe('go');
    expect(report.northStar).toMatchObject({ metric: 'repeatPurchaseRate', value: 0.3 });
    // All marketing against the global control group.
    expect(report.globalControl.control.exposures).toBe(exposures.filter((e) => e.arm === 'control').length);
    expect(report.globalControl.comparison).toBeDefined();
    // Over time: cumulative, one point per arm and day.
    expect(cart.overTime.filter((p) => p.arm === 'empathy')).toHaveLength(10);
  });

  it('flags a sample ratio mismatch and never says go then', () => {
    const { exposures, conversions } = simulate({ holdout: 0.1, empathy: 0.3, reminder: 0.1 }, 1000);
    // Lose half of the holdout's exposures (as a broken assignment would).
    let drop = 0;
    const skewed = exposures.filter((e) => !(e.arm === 'holdout' && drop++ % 2 === 0));
    const report = buildReport(
      {
        generatedAt: 'x',
        journeys: countersFrom(skewed, conversions),
        attribution: [],
        customers: { customers: 0, repeatCustomers: 0 },
      },
      journeys,
      defaultMeasurementConfig,
      GLOBAL,
    );
    const cart = report.journeys[0]!;
    expect(cart.srm?.mismatch).toBe(true);
    expect(cart.arms.find((a) => a.arm === 'empathy')!.vsHoldout!.recommendation.decision).toBe(
      'check_assignment',
    );
  });
});

describe('journey KPIs', () => {
  const arm = (exposures: number, conversions: number, days?: { sum: number; sumSquares: number }) => ({
    exposures,
    conversions,
    revenue: { sum: conversions * 50, sumSquares: conversions * 2500 },
    margin: { sum: conversions * 20, sumSquares: conversions * 400 },
    ...(days
      ? { minutesToConversion: { sum: days.sum * 1440, sumSquares: days.sumSquares * 1440 ** 2 } }
      : {}),
  });
  const onboarding = {
    journey: 'onboarding',
    arms: {
      guide: arm(400, 40, { sum: 80, sumSquares: 400 }),
      bestsellers: arm(600, 90, { sum: 270, sumSquares: 1500 }),
      holdout: arm(200, 10, { sum: 5, sumSquares: 5 }),
      control: arm(100, 5),
    },
    daily: [],
  };
  const kpis = (measure: 'conversionRate' | 'lift' | 'daysToConversion', journey = 'onboarding') =>
    buildReport(
      {
        generatedAt: '2026-11-12T00:00:00Z',
        journeys: [onboarding],
        attribution: [],
        customers: { customers: 0, repeatCustomers: 0 },
      },
      journeys,
      MeasurementConfig.parse({ kpis: [{ name: 'k', journey, measure }] }),
      GLOBAL,
    ).kpis[0]!;

  // Reference values computed independently with scipy (Wilson's formula, Newcombe's square-and-add
  // of the two Wilson intervals, Student's t with 129 degrees of freedom).
  it('pools the treated arms (not the holdout or the global control) for a conversion rate', () => {
    const k = kpis('conversionRate');
    expect(k.value!.estimate).toBeCloseTo(0.13, 12);
    expect(k.value!.lower).toBeCloseTo(0.11056377462484193, 10);
    expect(k.value!.upper).toBeCloseTo(0.1522680266544689, 10);
    expect(k.basis).toBe('130 of 1000 recipients converted within the window');
  });

  it('gives the uplift over the holdout with Newcombe’s interval', () => {
    const k = kpis('lift');
    expect(k.value!.estimate).toBeCloseTo(0.08, 12);
    expect(k.value!.lower).toBeCloseTo(0.03590695443804278, 10);
    expect(k.value!.upper).toBeCloseTo(0.11173971851016926, 10);
  });

  it('gives the mean time to first value over converted recipients with a t interval', () => {
    const k = kpis('daysToConversion');
    expect(k.value!.estimate).toBeCloseTo(2.6923076923076925, 10);
    expect(k.value!.lower).toBeCloseTo(2.2194963363304905, 6);
    expect(k.value!.upper).toBeCloseTo(3.1651190482848945, 6);
  });

  it('says why a KPI has no value rather than showing zero', () => {
    expect(kpis('conversionRate', 'win-back')).toMatchObject({
      value: undefined,
      basis: 'no recipients yet',
    });
  });

  it('ships four journey KPIs by default', () => {
    expect(defaultMeasurementConfig.kpis.map((k) => k.name)).toEqual([
      'Onboarding activation',
      'Time to first value',
      'Cart recovery rate',
      'Re-engagement uplift',
      'Send-time optimisation gain',
    ]);
  });

  it('reports the send-time holdout as its own comparison, outside the global control group and the economics', () => {
    const sendTime = {
      journey: 'send-time',
      arms: { optimised: arm(900, 117), holdout: arm(100, 9) },
      daily: [],
    };
    const input = (withSendTime: boolean) => ({
      generatedAt: '2026-11-12T00:00:00Z',
      journeys: withSendTime ? [onboarding, sendTime] : [onboarding],
      attribution: [],
      customers: { customers: 0, repeatCustomers: 0 },
    });
    const config = MeasurementConfig.parse({});
    const withIt = buildReport(input(true), journeys, config, GLOBAL, 0.1);
    const without = buildReport(input(false), journeys, config, GLOBAL, 0.1);
    const report = withIt.journeys.find((j) => j.journey === 'send-time')!;
    expect(report.name).toBe('Send-time optimisation (best hour against a fixed hour)');
    // 100 of 1,000 waits held out, as configured: no sample ratio mismatch; 200 of 1,000 would be one.
    expect(report.srm).toMatchObject({ mismatch: false });
    expect(report.srm!.pValue).toBeCloseTo(1, 12);
    const skewed = buildReport(
      {
        ...input(true),
        journeys: [{ ...sendTime, arms: { optimised: arm(800, 104), holdout: arm(200, 18) } }],
      },
      journeys,
      config,
      GLOBAL,
      0.1,
    );
    expect(skewed.journeys[0]!.srm).toMatchObject({ mismatch: true });
    expect(report.arms.find((a) => a.arm === 'optimised')!.vsHoldout!.absoluteLift.estimate).toBeCloseTo(
      0.04,
      12,
    );
    // Its exposures are sends inside journeys already counted: nothing changes in the totals.
    expect(withIt.globalControl).toEqual(without.globalControl);
    expect(withIt.economics).toEqual(without.economics);
    expect(withIt.kpis.find((k) => k.journey === 'send-time')!.value!.estimate).toBeCloseTo(0.04, 12);
  });
});

describe('fairnessFindings', () => {
  it('flags a cohort whose offer rate is below 0.8 of the best cohort’s, ignoring small cohorts', () => {
    const findings = fairnessFindings(
      [
        {
          journey: 'win-back',
          trait: 'ageBand',
          value: '18-34',
          exposures: 100,
          sends: 90,
          offers: 40,
          discountSum: 6,
          conversions: 10,
        },
        {
          journey: 'win-back',
          trait: 'ageBand',
          value: '65+',
          exposures: 100,
          sends: 88,
          offers: 20,
          discountSum: 2,
          conversions: 9,
        },
        {
          journey: 'win-back',
          trait: 'ageBand',
          value: 'unknown',
          exposures: 5,
          sends: 0,
          offers: 0,
          discountSum: 0,
          conversions: 0,
        },
      ],
      defaultMeasurementConfig.fairness,
    );
    const older = findings.find((f) => f.value === '65+')!;
    expect(older.ratios.offer).toBeCloseTo(0.5);
    expect(older.flagged).toEqual(['offer']);
    expect(older.averageDiscount).toBeCloseTo(0.1);
    expect(findings.find((f) => f.value === '18-34')!.flagged).toEqual([]);
    expect(findings.find((f) => f.value === 'unknown')!.flagged).toEqual([]);
  });
});
