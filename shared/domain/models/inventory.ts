/**
 * The model inventory and model cards as the admin API serves them (`GET /admin/models`,
 * `GET /admin/models/{model}`): every model the trainer knows, its promoted version and its
 * versions with their headline metrics; a card with its calibration figures picked out. Pure over
 * the registry port.
 */
import * as z from 'zod';
import { MODEL_NAMES, ModelName } from '../../config/models.js';
import type { ModelRegistry } from '../../ports/models.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { ModelCard, ModelStatus, ModelVersionSummary } from './registry.js';

/** What each model is for, shown before any version exists. */
export const MODEL_PURPOSE: Readonly<Record<ModelName, string>> = {
  clv: 'Customer lifetime value: expected purchases (BG/NBD) and spend (Gamma-Gamma) over the horizon',
  propensity: 'Purchase propensity: the chance a person buys within the horizon (logistic regression)',
};

/** The metrics a list shows first, per model (the gates' metrics). */
export const HEADLINE_METRICS: Readonly<Record<ModelName, readonly string[]>> = {
  clv: ['holdoutRelativeError', 'repeatCustomers', 'customers'],
  propensity: ['auc', 'calibrationError', 'testRows'],
};

/** Metrics that say whether predictions match what happened, per model. */
const CALIBRATION_METRICS: Readonly<Record<ModelName, readonly { metric: string; label: string }[]>> = {
  clv: [
    { metric: 'holdoutPredictedPurchases', label: 'Predicted repeat purchases in the holdout' },
    { metric: 'holdoutActualPurchases', label: 'Actual repeat purchases in the holdout' },
    { metric: 'holdoutRelativeError', label: 'Relative error (predicted vs actual)' },
    { metric: 'holdoutMeanAbsoluteError', label: 'Mean absolute error per customer' },
  ],
  propensity: [
    { metric: 'calibrationError', label: 'Expected calibration error (predicted vs observed rate)' },
    { metric: 'baseRate', label: 'Observed purchase rate in the test set' },
  ],
};

export interface ModelInventoryEntry {
  readonly model: ModelName;
  readonly purpose: string;
  readonly headline: readonly string[];
  readonly promoted?: ModelVersionSummary;
  /** Newest first. */
  readonly versions: readonly ModelVersionSummary[];
}

/** Every model, whether or not it has a version yet. */
export async function modelInventory(
  registry: Pick<ModelRegistry, 'list'>,
): Promise<{ readonly models: readonly ModelInventoryEntry[] }> {
  const all = await registry.list();
  return {
    models: MODEL_NAMES.map((model) => {
      const versions = all.filter((v) => v.model === model);
      const promoted = versions.find((v) => v.status === 'promoted');
      return {
        model,
        purpose: MODEL_PURPOSE[model],
        headline: HEADLINE_METRICS[model],
        ...(promoted ? { promoted } : {}),
        versions,
      };
    }),
  };
}

/** Path and query of `GET /admin/models/{model}?version=`. */
export const ModelCardQuery = z.object({
  model: ModelName,
  version: z
    .string()
    .regex(/^[0-9A-Za-z_-]{1,64}$/)
    .optional(),
});

export interface ModelCardView {
  readonly model: ModelName;
  readonly purpose: string;
  readonly card: ModelCard;
  readonly status: ModelStatus;
  readonly statusChangedAt: string;
  readonly calibration: readonly { metric: string; label: string; value: number }[];
  /** Every version of the model, newest first (the version history). */
  readonly versions: readonly ModelVersionSummary[];
}

/**
 * The card of `version`, else of the promoted version, else of the newest. NotFoundError when the
 * model has no such version (or none yet); InvalidRequestError for an unknown model.
 */
export async function modelCardView(
  registry: Pick<ModelRegistry, 'get' | 'getPromoted' | 'list'>,
  raw: { readonly model?: string; readonly version?: string | undefined },
): Promise<ModelCardView> {
  const parsed = ModelCardQuery.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidRequestError('invalid_model', `model must be one of ${MODEL_NAMES.join(', ')}`, {
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map(String),
        code: i.code,
        message: i.message,
      })),
    });
  }
  const { model, version } = parsed.data;
  const versions = await registry.list(model);
  const chosen = version
    ? await registry.get(model, version)
    : ((await registry.getPromoted(model)) ??
      (versions[0] ? await registry.get(model, versions[0].version) : undefined));
  if (!chosen) {
    throw new NotFoundError(
      'model_version_not_found',
      version ? `no version ${version} of ${model}` : `no versions of ${model} yet: train it first`,
    );
  }
  const metrics = chosen.card.metrics;
  return {
    model,
    purpose: MODEL_PURPOSE[model],
    card: chosen.card,
    status: chosen.status,
    statusChangedAt: chosen.statusChangedAt,
    calibration: CALIBRATION_METRICS[model].flatMap((c) => {
      const value = metrics[c.metric];
      return typeof value === 'number' ? [{ ...c, value }] : [];
    }),
    versions,
  };
}
