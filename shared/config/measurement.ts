/**
 * Measurement configuration: what counts as a conversion and for how long after an exposure, the
 * last-touch attribution windows per channel, the statistics' settings, the north-star metric, the
 * fairness cohorts and the model-monitoring thresholds. Functions read it as JSON in
 * `MEASUREMENT_CONFIG` (absent → defaults). See docs/measurement.md.
 */
import * as z from 'zod';

const Days = z.number().positive().max(90);

export const MeasurementConfig = z.object({
  conversion: z
    .object({
      /** The domain event that is a conversion (its detail carries `profileId`, an id and `revenue`). */
      event: z
        .string()
        .regex(/^[A-Z][A-Za-z0-9]{1,63}$/)
        .default('OrderCompleted'),
      /** Detail property that identifies one conversion (dedupes redeliveries). */
      idProperty: z.string().min(1).max(64).default('orderId'),
      /** A conversion counts for an exposure (assignment) this many days after it. */
      windowDays: Days.default(7),
      /** Gross margin as a share of revenue (contribution margin = revenue × marginRate − incentives). */
      marginRate: z.number().min(0).max(1).default(0.4),
    })
    .prefault({}),
  /**
   * Last-touch attribution: a conversion is credited to the latest marketing message whose window
   * covers it — counted from the click when the message was clicked, else from the send.
   */
  attribution: z
    .object({
      email: z.object({ sendDays: Days.default(1), clickDays: Days.default(5) }).prefault({}),
      sms: z.object({ sendDays: Days.default(1), clickDays: Days.default(2) }).prefault({}),
      push: z.object({ sendDays: Days.default(1), clickDays: Days.default(1) }).prefault({}),
      inApp: z.object({ sendDays: Days.default(1), clickDays: Days.default(1) }).prefault({}),
    })
    .prefault({}),
  statistics: z
    .object({
      confidence: z.number().min(0.5).max(0.999).default(0.95),
      /** Mixing variance τ² of the always-valid (mSPRT) guard on the absolute difference. */
      tauSquared: z.number().positive().default(1e-4),
      /** Below this many exposures in an arm, the recommendation is to keep running. */
      minSamplePerArm: z.number().int().min(1).default(100),
      /** Smallest absolute improvement worth shipping (futility rule); absent → no futility stop. */
      minimumEffect: z.number().min(0).max(1).optional(),
      /** p-value below which the arm counts differ from the configured split (sample ratio mismatch). */
      srmThreshold: z.number().positive().max(0.1).default(0.001),
    })
    .prefault({}),
  /**
   * Journey KPIs: a name a marketer knows, the journey it reads (or `send-time`, the send-time
   * optimisation holdout: best hour against a fixed hour) and the measure — `conversionRate`
   * (treated recipients who converted within the window, Wilson interval), `lift` (treated against
   * the journey's holdout, Newcombe interval), `daysToConversion` (mean days from entry to the first
   * conversion among converters, normal interval) or `revenuePerRecipient`.
   */
  kpis: z
    .array(
      z.object({
        name: z.string().min(1).max(80),
        journey: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'a journey id'),
        measure: z.enum(['conversionRate', 'lift', 'daysToConversion', 'revenuePerRecipient']),
      }),
    )
    .max(20)
    .default([
      { name: 'Onboarding activation', journey: 'onboarding', measure: 'conversionRate' },
      { name: 'Time to first value', journey: 'onboarding', measure: 'daysToConversion' },
      { name: 'Cart recovery rate', journey: 'cart-recovery', measure: 'conversionRate' },
      { name: 'Re-engagement uplift', journey: 'win-back', measure: 'lift' },
      { name: 'Send-time optimisation gain', journey: 'send-time', measure: 'lift' },
    ]),
  /** The one number the business steers by. */
  northStar: z.enum(['repeatPurchaseRate', 'incrementalRevenue']).default('repeatPurchaseRate'),
  fairness: z
    .object({
      /** Declared traits whose values form the cohorts compared (e.g. `ageBand`, `region`). */
      cohortTraits: z.array(z.string().min(1).max(64)).max(10).default([]),
      /** Disparate-impact ratio below which a cohort is flagged (the four-fifths rule). */
      minRatio: z.number().min(0).max(1).default(0.8),
      /** Cohorts with fewer exposures are reported but not flagged. */
      minExposures: z.number().int().min(1).default(30),
    })
    .prefault({}),
  models: z
    .object({
      /** Days after scoring at which a propensity prediction is judged against what happened. */
      horizonDays: z.number().int().min(1).max(90).default(30),
      /** Profiles sampled per daily snapshot. */
      snapshotSize: z.number().int().min(100).max(100_000).default(5_000),
      /** Realised AUC this far below the model card's → drift. */
      aucDrop: z.number().min(0).max(0.5).default(0.05),
      /** Realised expected calibration error above this → drift. */
      maxCalibrationError: z.number().min(0).max(1).default(0.1),
    })
    .prefault({}),
  /** Days raw exposure, conversion and attribution records are kept for recomputation. */
  retentionDays: z.number().int().min(30).max(3650).default(400),
});
export type MeasurementConfig = z.infer<typeof MeasurementConfig>;

export const defaultMeasurementConfig: MeasurementConfig = MeasurementConfig.parse({});

/** Parses `MEASUREMENT_CONFIG` (JSON; absent → defaults), failing fast with the variable's name. */
export function parseMeasurementConfigEnv(env: Record<string, string | undefined>): MeasurementConfig {
  const raw = env.MEASUREMENT_CONFIG;
  if (raw === undefined || raw === '') return defaultMeasurementConfig;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error('invalid environment: MEASUREMENT_CONFIG is not JSON', { cause: err });
  }
  const parsed = MeasurementConfig.safeParse(json);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => `MEASUREMENT_CONFIG.${i.path.join('.')}`).join(', ');
    throw new Error(`invalid environment: ${paths}`);
  }
  return parsed.data;
}
