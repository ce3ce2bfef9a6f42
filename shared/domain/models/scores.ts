/**
 * Scores, bands and the `ScoresChanged` event detail. Their own module so the scoring ports
 * (shared/ports/models.ts) can name them without importing the scorer, which imports the ports.
 */
import type { ModelName } from '../../config/models.js';

export type Band = 'low' | 'medium' | 'high';
/** The banded scores. */
export const BANDED_SCORES = ['churnRisk', 'clv12m', 'propensity30d'] as const;
export type BandedScore = (typeof BANDED_SCORES)[number];
export type Bands = Partial<Record<BandedScore, Band>>;

/** Scores of one profile; a score is absent when its model is not promoted or lacks the inputs. */
export interface Scores {
  readonly probabilityAlive?: number;
  readonly churnRisk?: number;
  readonly expectedPurchases90d?: number;
  readonly clv12m?: number;
  readonly propensity30d?: number;
  readonly bands: Bands;
}

/** Model versions that produced a set of scores, per model. */
export type ModelVersions = Partial<Record<ModelName, string>>;

/** One band that changed; `from` is null the first time a profile gets this score. */
export interface BandChange {
  readonly score: BandedScore;
  readonly from: Band | null;
  readonly to: Band;
}

/** Detail of the `ScoresChanged` domain event: what changed and why (scores and model versions). */
export interface ScoresChanged {
  readonly profileId: string;
  readonly changes: readonly BandChange[];
  readonly scores: Scores;
  readonly modelVersions: ModelVersions;
  readonly scoredAt: string;
}
