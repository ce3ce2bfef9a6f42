/**
 * A small hand-written ReportInput for the text, HTML and CLI tests. The counts are chosen so the
 * figures are known from the literature, not from our code:
 * - 81/263: Wilson 95 % interval 0.2553 to 0.3662 (Newcombe, Stat Med 17:857–872, 1998, Table I);
 * - 56/70 − 48/80: Newcombe hybrid score 95 % interval 0.0524 to 0.3339 (Newcombe, Stat Med
 *   17:873–890, 1998, Table II).
 */
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import { defaultMeasurementConfig } from '../../../shared/config/measurement.js';
import type { JourneyDefinition } from '../../../shared/domain/journeys/definition.js';
import {
  type ArmCounters,
  type AttributionCounters,
  buildReport,
  type CohortCounters,
  type Report,
  type ReportInput,
} from '../../../shared/domain/measurement/report.js';

/** Counters of an arm whose converters each spent `orderValue` (margin 40 % of it). */
export const arm = (exposures: number, conversions: number, orderValue = 50): ArmCounters => ({
  exposures,
  conversions,
  revenue: { sum: conversions * orderValue, sumSquares: conversions * orderValue ** 2 },
  margin: { sum: conversions * orderValue * 0.4, sumSquares: conversions * (orderValue * 0.4) ** 2 },
});

export const EVIL_NAME = '<script>alert(1)</script> & "Cart"';

const cart = defaultJourneysConfig.journeys.find((j) => j.id === 'cart-recovery')!;
/** The catalogue's cart-recovery journey (holdout 10 %, empathy / reminder) with a hostile name. */
export const journeys: JourneyDefinition[] = [{ ...cart, name: EVIL_NAME }];

const attribution: AttributionCounters[] = [
  { journey: 'cart-recovery', step: 'send-email', channel: 'email', conversions: 10, revenue: 500 },
  { journey: 'browse-test', step: '<b>sms-step</b>', channel: 'sms', conversions: 5, revenue: 250 },
  { journey: 'none', step: 'none', channel: 'none', conversions: 3, revenue: 90 },
];

// CohortCounters carries no journey, yet fairnessFindings groups by one; the store adds it.
const cohorts: (CohortCounters & { journey: string })[] = [
  {
    journey: 'cart-recovery',
    trait: 'ageBand',
    value: '18-24',
    exposures: 100,
    sends: 90,
    offers: 50,
    discountSum: 5,
    conversions: 10,
  },
  {
    journey: 'cart-recovery',
    trait: 'ageBand',
    value: '25-34',
    exposures: 100,
    sends: 90,
    offers: 20,
    discountSum: 2,
    conversions: 10,
  },
];

export const input: ReportInput = {
  generatedAt: '2026-11-12T08:00:00.000Z',
  journeys: [
    {
      // Sizes far from the configured 10 % holdout: sample ratio mismatch → check_assignment.
      journey: 'cart-recovery',
      arms: { holdout: arm(263, 81, 20), empathy: arm(300, 30, 20) },
      daily: [
        { day: '2026-11-01', arm: 'holdout', exposures: 131, conversions: 40 },
        { day: '2026-11-01', arm: 'empathy', exposures: 150, conversions: 15 },
        { day: '2026-11-02', arm: 'holdout', exposures: 132, conversions: 41 },
        { day: '2026-11-02', arm: 'empathy', exposures: 150, conversions: 15 },
      ],
    },
    {
      // Not deployed (no definition): no split to check; 70 < 100 exposures → keep running.
      journey: 'browse-test',
      arms: { holdout: arm(80, 48), v1: arm(70, 56), control: arm(100, 10) },
      daily: [
        { day: '2026-11-01', arm: 'control', exposures: 30, conversions: 3 },
        { day: '2026-11-01', arm: 'holdout', exposures: 30, conversions: 18 },
        { day: '2026-11-01', arm: 'v1', exposures: 20, conversions: 16 },
        { day: '2026-11-02', arm: 'control', exposures: 35, conversions: 4 },
        { day: '2026-11-02', arm: 'holdout', exposures: 25, conversions: 15 },
        { day: '2026-11-02', arm: 'v1', exposures: 25, conversions: 20 },
        { day: '2026-11-03', arm: 'control', exposures: 35, conversions: 3 },
        { day: '2026-11-03', arm: 'holdout', exposures: 25, conversions: 15 },
        { day: '2026-11-03', arm: 'v1', exposures: 25, conversions: 20 },
      ],
    },
    // No holdout at all: nothing to compare.
    { journey: 'welcome-test', arms: { default: arm(50, 5) }, daily: [] },
  ],
  attribution,
  customers: { customers: 50, repeatCustomers: 12 },
  cohorts,
};

export const report: Report = buildReport(
  input,
  journeys,
  defaultMeasurementConfig,
  defaultJourneysConfig.experiments.globalControl.share,
);
