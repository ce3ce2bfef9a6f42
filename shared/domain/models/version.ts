/**
 * A model version as the registry stores it: parameters, model card, gate results and state. Its
 * own module so the registry port (shared/ports/models.ts) can name these types without importing
 * the registry's use cases, which import the port.
 */
import * as z from 'zod';
import type { ModelName } from '../../config/models.js';
import type { FairnessReport } from './fairness.js';

export const MODEL_STATUSES = ['candidate', 'promoted', 'rejected', 'retired'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** Parameters of a CLV version: BG/NBD + Gamma-Gamma and the CLV settings they were scored with. */
export const ClvParameters = z.object({
  kind: z.literal('clv'),
  bgnbd: z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() }),
  gammaGamma: z.object({ p: z.number(), q: z.number(), gamma: z.number() }),
  horizonMonths: z.number().int().positive(),
  monthlyDiscountRate: z.number(),
});
export type ClvParameters = z.infer<typeof ClvParameters>;

/** Parameters of a propensity version: the logistic model on standardised features. */
export const PropensityParameters = z.object({
  kind: z.literal('propensity'),
  horizonDays: z.number().int().positive(),
  logistic: z.object({
    features: z.array(z.string()),
    means: z.array(z.number()),
    scales: z.array(z.number()),
    weights: z.array(z.number()),
    intercept: z.number(),
    converged: z.boolean(),
  }),
});
export type PropensityParameters = z.infer<typeof PropensityParameters>;

export const ModelParameters = z.discriminatedUnion('kind', [ClvParameters, PropensityParameters]);
export type ModelParameters = z.infer<typeof ModelParameters>;

/** One gate as evaluated: the metric's value (null when missing) and whether it passed. */
export interface GateResult {
  readonly metric: string;
  readonly min?: number;
  readonly max?: number;
  readonly value: number | null;
  readonly passed: boolean;
}

/** Dates (ISO) the version learned from and was evaluated on. */
export interface TrainingWindow {
  readonly from: string;
  readonly to: string;
  readonly holdoutFrom: string;
  readonly holdoutTo: string;
}

/** What a person needs to judge a version: purpose, data, quality, fairness and limits. */
export interface ModelCard {
  readonly model: ModelName;
  readonly version: string;
  readonly objective: string;
  /** Feature names, in model column order. */
  readonly inputs: readonly string[];
  readonly trainingWindow: TrainingWindow;
  readonly owner: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly fairness: FairnessReport | null;
  readonly knownRisks: readonly string[];
  readonly gates: readonly GateResult[];
  readonly createdAt: string;
}

/** A registered version: its card, state and parameters. */
export interface ModelVersion {
  readonly card: ModelCard;
  readonly status: ModelStatus;
  readonly statusChangedAt: string;
  readonly parameters: ModelParameters;
}

/** What `list` returns: enough to choose a version without loading parameters. */
export interface ModelVersionSummary {
  readonly model: ModelName;
  readonly version: string;
  readonly status: ModelStatus;
  readonly createdAt: string;
  readonly statusChangedAt: string;
  readonly gatesPassed: boolean;
  readonly metrics: Readonly<Record<string, number>>;
}
