/**
 * Predictive-model configuration: training windows, promotion gates, fairness, score bands, scorer
 * debounce and optional SageMaker endpoints. The lead composes `ModelsConfig` into FeltfitConfig;
 * functions receive it as JSON in `MODELS_CONFIG` (see functions/train-models and
 * functions/score-profiles), parsed once at cold start.
 */
import * as z from 'zod';

/** Models the registry, trainer and scorer know. */
export const MODEL_NAMES = ['clv', 'propensity'] as const;
export const ModelName = z.enum(MODEL_NAMES);
export type ModelName = z.infer<typeof ModelName>;

/**
 * One promotion gate: `metric` (a key of the version's metrics) must be ≥ `min` and/or ≤ `max`.
 * A metric that is missing or not a finite number fails its gate.
 */
export const Gate = z
  .object({
    metric: z.string().min(1),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .refine((g) => g.min !== undefined || g.max !== undefined, { message: 'a gate needs min or max' });
export type Gate = z.infer<typeof Gate>;

/** Cut points of a score's bands: low < medium ≤ score < high ≤ score. */
export const BandCuts = z
  .object({ medium: z.number(), high: z.number() })
  .refine((c) => c.medium <= c.high, { message: 'medium must not exceed high' });
export type BandCuts = z.infer<typeof BandCuts>;

const Endpoint = z.string().min(1).max(63).optional();

export const FairnessConfig = z.object({
  /** Profile traits whose cohorts are compared (e.g. `country`, `ageBand`); none = no fairness check. */
  cohortTraits: z.array(z.string().min(1)).default([]),
  /** Cohorts smaller than this are reported but not judged. */
  minCohortSize: z.number().int().min(1).default(50),
  /** Minimum disparate-impact ratio (min / max selection rate) before a version is flagged. */
  minDisparateImpact: z.number().min(0).max(1).default(0.8),
});
export type FairnessConfig = z.infer<typeof FairnessConfig>;

export const ModelsConfig = z.object({
  /** Who owns the models (team name or alias, never a person's email); shown on model cards. */
  owner: z.string().min(1).default('feltfit'),
  clv: z
    .object({
      /** Days held out (the most recent ones) to measure the forecast; calibration is all history before. */
      holdoutDays: z.number().int().min(7).default(90),
      /** Minimum calibration customers with a repeat purchase before a CLV version is trained. */
      minRepeatCustomers: z.number().int().min(2).default(20),
      horizonMonths: z.number().int().min(1).max(60).default(12),
      monthlyDiscountRate: z.number().gt(-1).default(0.01),
      /** A customer is "selected" (targeted for retention) when churn risk ≥ this; used by fairness. */
      decisionThreshold: z.number().min(0).max(1).default(0.5),
      gates: z.array(Gate).default([{ metric: 'holdoutRelativeError', max: 0.25 }]),
      sagemakerEndpoint: Endpoint,
    })
    .prefault({}),
  propensity: z
    .object({
      /** Label window: a purchase within this many days after the cutoff. */
      horizonDays: z.number().int().min(1).max(365).default(30),
      /** A profile is "selected" when P(purchase) ≥ this; used by fairness. */
      decisionThreshold: z.number().min(0).max(1).default(0.5),
      l2: z.number().min(0).default(1e-3),
      /** Minimum rows of each class (buyers, non-buyers) in the training and test sets. */
      minRowsPerClass: z.number().int().min(1).default(20),
      gates: z.array(Gate).default([
        { metric: 'auc', min: 0.65 },
        { metric: 'calibrationError', max: 0.05 },
      ]),
      sagemakerEndpoint: Endpoint,
    })
    .prefault({}),
  fairness: FairnessConfig.prefault({}),
  bands: z
    .object({
      churnRisk: BandCuts.default({ medium: 0.4, high: 0.7 }),
      propensity30d: BandCuts.default({ medium: 0.2, high: 0.5 }),
      clv12m: BandCuts.default({ medium: 100, high: 500 }),
    })
    .prefault({}),
  scoring: z
    .object({
      /** A ProfileUpdated event within this many minutes of the last scoring is skipped... */
      debounceMinutes: z.number().min(0).default(60),
      /** ...unless one of these profile fields (or a sub-field, `field.x`) changed. */
      purchaseFields: z
        .array(z.string().min(1))
        .default(['purchases', 'orders', 'lastPurchaseAt', 'firstPurchaseAt', 'totalSpend', 'refunds']),
      /** Profiles per page in the nightly batch. */
      batchSize: z.number().int().min(1).max(1000).default(200),
      /** How long a Lambda instance keeps the promoted models before asking the registry again. */
      modelCacheSeconds: z.number().int().min(0).default(300),
    })
    .prefault({}),
  sagemaker: z
    .object({
      /** Time budget of one InvokeEndpoint call; past it the built-in model answers. */
      timeoutMs: z.number().int().min(10).max(60_000).default(800),
    })
    .prefault({}),
});
export type ModelsConfig = z.infer<typeof ModelsConfig>;

/** The defaults: every field of ModelsConfig at its default. */
export const defaultModelsConfig: ModelsConfig = ModelsConfig.parse({});

/**
 * Parses `MODELS_CONFIG` (JSON) from an environment, falling back to the defaults when unset, and
 * failing fast with the variable's name and the offending paths.
 */
export function parseModelsConfigEnv(env: Record<string, string | undefined>): ModelsConfig {
  const raw = env.MODELS_CONFIG;
  if (raw === undefined || raw === '') return defaultModelsConfig;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new Error('invalid environment: MODELS_CONFIG is not JSON', { cause });
  }
  const parsed = ModelsConfig.safeParse(json);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new Error(`invalid environment: MODELS_CONFIG (${paths})`);
  }
  return parsed.data;
}
