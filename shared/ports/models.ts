/** Ports of the intelligence layer: model registry, training data, scoring source and sinks. */
import type { ModelName } from '../config/models.js';
import type { Bands, ModelVersions, Scores, ScoresChanged } from '../domain/models/scores.js';
import type { ModelTrainingRequestDetail } from '../domain/models/training-event.js';
import type { ModelStatus, ModelVersion, ModelVersionSummary } from '../domain/models/version.js';

/** Versions, cards and the one promoted version per model. */
export interface ModelRegistry {
  /** Stores a new version. Throws ConflictError('version_exists') when the id is taken. */
  register(version: ModelVersion): Promise<void>;
  get(model: ModelName, version: string): Promise<ModelVersion | undefined>;
  /** The promoted version of a model, if any. */
  getPromoted(model: ModelName): Promise<ModelVersion | undefined>;
  /** Versions of one model (or all models), newest first. */
  list(model?: ModelName): Promise<ModelVersionSummary[]>;
  /**
   * Atomically: the version becomes promoted and the previously promoted one retired. Throws
   * ConflictError('not_promotable') when the version is not a candidate whose gates passed, or
   * another promotion won a race.
   */
  promote(model: ModelName, version: string, at: string): Promise<{ previous?: string }>;
  /** Marks a non-promoted version rejected (or a promoted one retired, clearing the pointer). */
  setStatus(
    model: ModelName,
    version: string,
    status: Extract<ModelStatus, 'rejected' | 'retired'>,
    at: string,
  ): Promise<void>;
}

/** A customer's purchase summary as of a calibration end (purchases on days ≤ that date only). */
export interface PurchaseSummaryRow {
  readonly customerId: string;
  /** ISO dates `YYYY-MM-DD` (UTC calendar days). */
  readonly firstPurchaseDay: string;
  readonly lastPurchaseDay: string;
  /** Days with at least one purchase, the first included (repeat purchases = this − 1). */
  readonly distinctPurchaseDays: number;
  /** Total spend on the repeat purchase days (the first day excluded). */
  readonly repeatSpend: number;
  /** Cohort traits for the fairness report (e.g. `{ country: 'DE' }`). */
  readonly traits?: Readonly<Record<string, string | undefined>>;
}

/** A profile's propensity features as of a cutoff, its label over the horizon, and cohort traits. */
export interface PropensityRow {
  readonly profileId: string;
  /** Features computed strictly from events before the cutoff, by name (PROPENSITY_FEATURES). */
  readonly features: Readonly<Record<string, number>>;
  /** True when the profile purchased in [cutoff, cutoff + horizonDays). */
  readonly label: boolean;
  readonly traits: Readonly<Record<string, string | undefined>>;
}

/** What the trainer reads; implemented by the profiles layer. */
export interface TrainingData {
  /** One row per customer whose first purchase is on or before `calibrationEnd` (ISO date). */
  purchaseSummaries(calibrationEnd: string): AsyncIterable<PurchaseSummaryRow>;
  /** One row per profile with any event before `cutoff` (ISO instant). */
  propensityRows(cutoff: string, horizonDays: number): AsyncIterable<PropensityRow>;
}

/** A profile as the scorer needs it: current features and the last scores written. */
export interface ScoringProfile {
  readonly profileId: string;
  /** Purchase summary as of today; absent for a profile that never bought. */
  readonly purchases?: Omit<PurchaseSummaryRow, 'customerId' | 'traits'>;
  /** Propensity features as of now, by name; absent when the profile has none yet. */
  readonly features?: Readonly<Record<string, number>>;
  /** The last scoring, as stored by ScoreSink. */
  readonly lastScored?: { readonly at: string; readonly bands: Bands };
}

/** Reads profiles for scoring; implemented by the profiles layer. */
export interface ScoringSource {
  get(profileId: string): Promise<ScoringProfile | undefined>;
  /** One page of all profiles; `cursor` is opaque and absent on the last page. */
  page(limit: number, cursor?: string): Promise<{ profiles: ScoringProfile[]; cursor?: string }>;
}

/** Writes scores onto a profile (with the time and model versions, for explanations). */
export interface ScoreSink {
  writeScores(profileId: string, scores: Scores, modelVersions: ModelVersions, at: string): Promise<void>;
}

/** Publishes `ScoresChanged` domain events (EventBridge bus `feltfit`, source `feltfit.intelligence`). */
export interface ScoreEvents {
  scoresChanged(events: readonly ScoresChanged[]): Promise<void>;
}

/** Why a remote prediction was replaced by the built-in model. */
export type FallbackReason = 'timeout' | 'error' | 'malformed';

/** Built-in or remote predictions for a batch, in row order. */
export interface Predictor<Row, Prediction> {
  predict(rows: readonly Row[]): Promise<Prediction[]>;
}

/**
 * Publishes "train now" requests (EventBridge: source `feltfit.admin`, detail type
 * `ModelTrainingRequested`, which a rule delivers to the trainer). Throws when it could not publish.
 */
export interface ModelTrainingRequests {
  publish(detail: ModelTrainingRequestDetail): Promise<void>;
}
