/**
 * Fairness by cohort. For each declared cohort trait, profiles are grouped by the trait's value and
 * compared on: the selection rate at the model's decision threshold (score ≥ threshold), and the
 * score distribution (mean, quartiles). The disparate-impact ratio is min / max selection rate over
 * the judged cohorts (the "four-fifths rule": below 0.8 the model is flagged and not auto-promoted).
 * Cohorts smaller than `minCohortSize` are reported but not judged: their rates are too noisy.
 */

/** One scored profile with its cohort traits (values as strings; absent = `(unknown)`). */
export interface FairnessRow {
  readonly score: number;
  readonly traits: Readonly<Record<string, string | undefined>>;
}

export interface ScoreSummary {
  readonly mean: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
}

export interface CohortResult {
  readonly value: string;
  readonly size: number;
  /** False when the cohort is smaller than the minimum size: shown, not counted in the ratio. */
  readonly judged: boolean;
  readonly selectionRate: number;
  readonly scores: ScoreSummary;
}

export interface TraitResult {
  readonly trait: string;
  readonly cohorts: CohortResult[];
  /**
   * min / max selection rate over judged cohorts; null when fewer than two cohorts are judged.
   * 1 when no judged cohort has anyone selected (all rates are equal, at zero).
   */
  readonly disparateImpact: number | null;
  readonly flagged: boolean;
}

export interface FairnessReport {
  readonly threshold: number;
  readonly minCohortSize: number;
  readonly minDisparateImpact: number;
  readonly traits: TraitResult[];
  /** True when any trait's ratio is below the minimum. */
  readonly flagged: boolean;
  /** The lowest judged ratio across traits (null when nothing could be judged). */
  readonly worstDisparateImpact: number | null;
}

export interface FairnessOptions {
  readonly traits: readonly string[];
  readonly threshold: number;
  readonly minCohortSize: number;
  readonly minDisparateImpact: number;
}

/** Cohort label for a profile without the trait. */
export const UNKNOWN_COHORT = '(unknown)';

/** Linear-interpolation quantile (type 7, as numpy's default) of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Mean and quartiles of a list of scores. */
export function summariseScores(scores: readonly number[]): ScoreSummary {
  const sorted = [...scores].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  return {
    mean: sorted.length > 0 ? mean : Number.NaN,
    q1: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    q3: quantile(sorted, 0.75),
  };
}

/** Disparate-impact ratio of selection rates: min / max, 1 when all are zero, null with fewer than two. */
export function disparateImpact(rates: readonly number[]): number | null {
  if (rates.length < 2) return null;
  const max = Math.max(...rates);
  if (max === 0) return 1;
  return Math.min(...rates) / max;
}

/** Evaluates every declared trait over the scored rows. */
export function evaluateFairness(rows: readonly FairnessRow[], options: FairnessOptions): FairnessReport {
  const traits = options.traits.map((trait): TraitResult => {
    const byValue = new Map<string, number[]>();
    for (const row of rows) {
      const value = row.traits[trait] ?? UNKNOWN_COHORT;
      let scores = byValue.get(value);
      if (!scores) {
        scores = [];
        byValue.set(value, scores);
      }
      scores.push(row.score);
    }
    const cohorts = [...byValue.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(
        ([value, scores]): CohortResult => ({
          value,
          size: scores.length,
          judged: scores.length >= options.minCohortSize,
          selectionRate: scores.filter((s) => s >= options.threshold).length / scores.length,
          scores: summariseScores(scores),
        }),
      );
    const ratio = disparateImpact(cohorts.filter((c) => c.judged).map((c) => c.selectionRate));
    return {
      trait,
      cohorts,
      disparateImpact: ratio,
      flagged: ratio !== null && ratio < options.minDisparateImpact,
    };
  });
  const judged = traits.map((t) => t.disparateImpact).filter((r): r is number => r !== null);
  return {
    threshold: options.threshold,
    minCohortSize: options.minCohortSize,
    minDisparateImpact: options.minDisparateImpact,
    traits,
    flagged: traits.some((t) => t.flagged),
    worstDisparateImpact: judged.length > 0 ? Math.min(...judged) : null,
  };
}
