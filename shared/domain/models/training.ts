/**
 * The trainer: builds training sets from the `TrainingData` port, fits CLV (BG/NBD + Gamma-Gamma)
 * and purchase propensity, evaluates each on a time-based holdout (the most recent days, never seen
 * in fitting), computes fairness by cohort, registers a candidate with its model card, and promotes
 * it when every gate passes. The stored parameters are exactly the evaluated ones (no refit on the
 * holdout), so a card's metrics describe the version that scores.
 */
import type { ModelName, ModelsConfig } from '../../config/models.js';
import type { ModelRegistry, PropensityRow, PurchaseSummaryRow, TrainingData } from '../../ports/models.js';
import { conditionalExpectedTransactions, fitBgNbd, probabilityAlive } from './bgnbd.js';
import { evaluateFairness, type FairnessReport } from './fairness.js';
import { fitGammaGamma } from './gammaGamma.js';
import { compileLogistic, fitLogistic } from './logistic.js';
import { evaluateClassifier, PROPENSITY_FEATURES } from './propensity.js';
import { type GateResult, newVersionId, registerVersion, type TrainedVersion } from './registry.js';
import { rfmFromSummary } from './scoring.js';
import { formatIsoDay } from './transactions.js';

const DAY_MS = 86_400_000;

/** Dependencies of the trainer. */
export interface TrainerDeps {
  readonly data: TrainingData;
  readonly registry: Pick<ModelRegistry, 'register' | 'get' | 'promote'>;
  readonly now: () => Date;
  readonly randomHex: () => string;
}

/** Outcome of training one model. */
export type TrainingOutcome =
  | {
      readonly model: ModelName;
      readonly status: 'promoted';
      readonly version: string;
      readonly previous?: string;
      readonly metrics: Readonly<Record<string, number>>;
    }
  | {
      readonly model: ModelName;
      readonly status: 'candidate';
      readonly version: string;
      readonly failedGates: readonly GateResult[];
      readonly metrics: Readonly<Record<string, number>>;
    }
  | {
      readonly model: ModelName;
      readonly status: 'skipped';
      readonly reason: 'insufficient_data';
      readonly detail: string;
    };

type Skipped = Extract<TrainingOutcome, { status: 'skipped' }>;

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

const skipped = (model: ModelName, detail: string): Skipped => ({
  model,
  status: 'skipped',
  reason: 'insufficient_data',
  detail,
});

const CLV_RISKS = [
  'BG/NBD assumes stationary purchase rates and no covariates: seasonality and campaigns are not modelled.',
  'Gamma-Gamma assumes spend is independent of purchase frequency.',
  'Customers with a single purchase get the population spend; their CLV is uncertain.',
  'Holdout error is an aggregate over the cohort; individual forecasts are noisier.',
];

const PROPENSITY_RISKS = [
  'Trained on one cutoff: behaviour that changed since (new products, campaigns) is not reflected.',
  'Features reflect tracked behaviour only; profiles with little tracking look less likely to buy.',
  'Probabilities are calibrated on the holdout cohort, not on every segment.',
];

/** Fits, evaluates and registers the CLV model. */
export async function trainClv(deps: TrainerDeps, config: ModelsConfig): Promise<TrainingOutcome> {
  const now = deps.now();
  const today = Math.floor(now.getTime() / DAY_MS);
  const calibrationEnd = today - config.clv.holdoutDays;
  const calibration = await collect(deps.data.purchaseSummaries(formatIsoDay(calibrationEnd)));
  const rows = calibration
    .map((s) => ({ summary: s, rfm: rfmFromSummary(s, calibrationEnd) }))
    .filter((r): r is { summary: PurchaseSummaryRow; rfm: NonNullable<typeof r.rfm> } => r.rfm !== undefined);
  const repeat = rows.filter((r) => r.rfm.x > 0 && r.rfm.monetaryValue > 0).length;
  if (repeat < config.clv.minRepeatCustomers) {
    return skipped(
      'clv',
      `${repeat} customers with a repeat purchase, ${config.clv.minRepeatCustomers} needed`,
    );
  }
  const bg = fitBgNbd(rows.map((r) => r.rfm));
  const gg = fitGammaGamma(rows.map((r) => r.rfm));

  // Holdout: purchase days after the calibration end, for the calibration cohort.
  const current = new Map<string, number>();
  for await (const s of deps.data.purchaseSummaries(formatIsoDay(today))) {
    current.set(s.customerId, s.distinctPurchaseDays);
  }
  const weeks = config.clv.holdoutDays / 7;
  let actual = 0;
  let predicted = 0;
  let absoluteError = 0;
  for (const { summary, rfm } of rows) {
    const a = Math.max(
      0,
      (current.get(summary.customerId) ?? summary.distinctPurchaseDays) - summary.distinctPurchaseDays,
    );
    const p = conditionalExpectedTransactions(bg.params, weeks, rfm);
    actual += a;
    predicted += p;
    absoluteError += Math.abs(p - a);
  }
  const relativeError =
    actual > 0 ? Math.abs(predicted - actual) / actual : predicted === 0 ? 0 : Number.POSITIVE_INFINITY;

  const fairness = fairnessOf(
    rows.map((r) => ({ score: 1 - probabilityAlive(bg.params, r.rfm), traits: r.summary.traits ?? {} })),
    config,
    config.clv.decisionThreshold,
  );
  const metrics: Record<string, number> = {
    customers: rows.length,
    repeatCustomers: repeat,
    logLikelihood: bg.logLikelihood,
    gammaGammaLogLikelihood: gg.logLikelihood,
    bgnbdConverged: bg.diagnostics.converged ? 1 : 0,
    gammaGammaConverged: gg.diagnostics.converged ? 1 : 0,
    holdoutActualPurchases: actual,
    holdoutPredictedPurchases: predicted,
    holdoutRelativeError: relativeError,
    holdoutMeanAbsoluteError: absoluteError / rows.length,
  };
  const risks = [...CLV_RISKS];
  if (!bg.diagnostics.converged || !gg.diagnostics.converged) {
    risks.push('The optimiser did not converge: parameters may sit on a boundary of the search space.');
  }
  const firstDay = Math.min(...rows.map((r) => calibrationEnd - Math.round(r.rfm.T * 7)));
  const version = newVersionId(now, deps.randomHex);
  const trained: TrainedVersion = {
    card: {
      model: 'clv',
      version,
      objective:
        'Forecast each customer’s repeat purchases, probability of being alive (churn risk = 1 − P(alive)) and discounted ' +
        `${config.clv.horizonMonths}-month customer lifetime value.`,
      inputs: ['repeat_purchase_days', 'recency_weeks', 'age_weeks', 'mean_repeat_spend'],
      trainingWindow: {
        from: formatIsoDay(firstDay),
        to: formatIsoDay(calibrationEnd),
        holdoutFrom: formatIsoDay(calibrationEnd + 1),
        holdoutTo: formatIsoDay(today),
      },
      owner: config.owner,
      metrics,
      fairness,
      knownRisks: risks,
      createdAt: now.toISOString(),
    },
    parameters: {
      kind: 'clv',
      bgnbd: bg.params,
      gammaGamma: gg.params,
      horizonMonths: config.clv.horizonMonths,
      monthlyDiscountRate: config.clv.monthlyDiscountRate,
    },
  };
  return outcome('clv', metrics, await registerVersion(deps, trained, config.clv.gates));
}

/** Rows whose features are all finite numbers, as vectors in `features` order. */
function vectors(rows: readonly PropensityRow[], features: readonly string[]) {
  const kept: { row: PropensityRow; x: number[] }[] = [];
  for (const row of rows) {
    const x = features.map((f) => row.features[f]);
    if (x.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) kept.push({ row, x });
  }
  return { kept, dropped: rows.length - kept.length };
}

/** Fits, evaluates and registers the purchase-propensity model. */
export async function trainPropensity(deps: TrainerDeps, config: ModelsConfig): Promise<TrainingOutcome> {
  const now = deps.now();
  const horizon = config.propensity.horizonDays;
  // Test labels end today; training labels end where the test features start (windows do not overlap).
  const testCutoff = new Date(now.getTime() - horizon * DAY_MS);
  const trainCutoff = new Date(testCutoff.getTime() - horizon * DAY_MS);
  const features = [...PROPENSITY_FEATURES];
  const train = vectors(
    await collect(deps.data.propensityRows(trainCutoff.toISOString(), horizon)),
    features,
  );
  const test = vectors(await collect(deps.data.propensityRows(testCutoff.toISOString(), horizon)), features);
  const min = config.propensity.minRowsPerClass;
  for (const [name, set] of [
    ['training', train],
    ['test', test],
  ] as const) {
    const positives = set.kept.filter((k) => k.row.label).length;
    const negatives = set.kept.length - positives;
    if (positives < min || negatives < min) {
      return skipped(
        'propensity',
        `${name} set has ${positives} buyers and ${negatives} non-buyers, ${min} of each needed`,
      );
    }
  }
  const model = fitLogistic(
    features,
    train.kept.map((k) => k.x),
    train.kept.map((k) => k.row.label),
    { l2: config.propensity.l2 },
  );
  const score = compileLogistic(model);
  const testScores = test.kept.map((k) => score(k.x));
  const testLabels = test.kept.map((k) => k.row.label);
  const m = evaluateClassifier(testScores, testLabels);
  const trainM = evaluateClassifier(
    train.kept.map((k) => score(k.x)),
    train.kept.map((k) => k.row.label),
  );
  const fairness = fairnessOf(
    test.kept.map((k, i) => ({ score: testScores[i]!, traits: k.row.traits })),
    config,
    config.propensity.decisionThreshold,
  );
  const metrics: Record<string, number> = {
    auc: m.auc,
    precisionAtTopDecile: m.precisionAtTopDecile,
    recallAtTopDecile: m.recallAtTopDecile,
    calibrationError: m.expectedCalibrationError,
    baseRate: m.baseRate,
    testRows: m.n,
    trainRows: trainM.n,
    trainAuc: trainM.auc,
    droppedRows: train.dropped + test.dropped,
    converged: model.converged ? 1 : 0,
  };
  const version = newVersionId(now, deps.randomHex);
  const trained: TrainedVersion = {
    card: {
      model: 'propensity',
      version,
      objective: `Probability that a profile purchases within ${horizon} days.`,
      inputs: features,
      trainingWindow: {
        from: trainCutoff.toISOString(),
        to: testCutoff.toISOString(),
        holdoutFrom: testCutoff.toISOString(),
        holdoutTo: now.toISOString(),
      },
      owner: config.owner,
      metrics,
      fairness,
      knownRisks: PROPENSITY_RISKS,
      createdAt: now.toISOString(),
    },
    parameters: { kind: 'propensity', horizonDays: horizon, logistic: model },
  };
  return outcome('propensity', metrics, await registerVersion(deps, trained, config.propensity.gates));
}

function fairnessOf(
  rows: { score: number; traits: Readonly<Record<string, string | undefined>> }[],
  config: ModelsConfig,
  threshold: number,
): FairnessReport | null {
  if (config.fairness.cohortTraits.length === 0) return null;
  return evaluateFairness(rows, {
    traits: config.fairness.cohortTraits,
    threshold,
    minCohortSize: config.fairness.minCohortSize,
    minDisparateImpact: config.fairness.minDisparateImpact,
  });
}

function outcome(
  model: ModelName,
  metrics: Record<string, number>,
  registered: Awaited<ReturnType<typeof registerVersion>>,
): TrainingOutcome {
  return registered.status === 'promoted'
    ? {
        model,
        status: 'promoted',
        version: registered.version,
        ...(registered.previous ? { previous: registered.previous } : {}),
        metrics,
      }
    : {
        model,
        status: 'candidate',
        version: registered.version,
        failedGates: registered.failedGates,
        metrics,
      };
}

/** Trains the requested model, or both (CLV first). */
export async function trainModels(
  deps: TrainerDeps,
  config: ModelsConfig,
  model?: ModelName,
): Promise<TrainingOutcome[]> {
  const out: TrainingOutcome[] = [];
  if (model === undefined || model === 'clv') out.push(await trainClv(deps, config));
  if (model === undefined || model === 'propensity') out.push(await trainPropensity(deps, config));
  return out;
}
