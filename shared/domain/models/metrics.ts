/** Ranking and calibration metrics for binary predictions. */

function checkLengths(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): void {
  if (scores.length !== labels.length) throw new RangeError('scores and labels differ in length');
}

/**
 * ROC AUC = P(score of a random positive > score of a random negative), ties counted as ½
 * (Mann-Whitney U with mid-ranks). NaN when either class is empty.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): number {
  checkLengths(scores, labels);
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[i]! - scores[j]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!]! === scores[order[i]!]!) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Precision and recall among the top `fraction` of scores (top decile by default). The cut takes
 * exactly ⌈fraction·n⌉ items; ties at the boundary are broken by input order, so equal scores do not
 * inflate the selection.
 */
export function precisionRecallAtTop(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean | number>,
  fraction = 0.1,
): { precision: number; recall: number; selected: number } {
  checkLengths(scores, labels);
  const n = scores.length;
  const k = Math.max(1, Math.ceil(fraction * n));
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[j]! - scores[i]! || i - j);
  let hits = 0;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) positives++;
  for (let i = 0; i < k; i++) if (labels[order[i]!]) hits++;
  return { precision: hits / k, recall: positives > 0 ? hits / positives : Number.NaN, selected: k };
}

/** Expected calibration error: Σ_bins (n_bin / n) · |mean predicted − observed rate|, equal-width bins on [0, 1]. */
export function expectedCalibrationError(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<boolean | number>,
  bins = 10,
): number {
  checkLengths(probabilities, labels);
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[bin]!++;
    predicted[bin]! += p;
    observed[bin]! += labels[i] ? 1 : 0;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b]! > 0) ece += Math.abs(predicted[b]! - observed[b]!) / probabilities.length;
  }
  return ece;
}
