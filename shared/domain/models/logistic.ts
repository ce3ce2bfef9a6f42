/** L2-regularised logistic regression on standardised features, fitted with L-BFGS (convex: one start). */
import { lbfgs } from './optimize.js';

export interface LogisticModel {
  /** Feature names, in column order. */
  features: string[];
  means: number[];
  scales: number[];
  /** Coefficients on the standardised features. */
  weights: number[];
  intercept: number;
  converged: boolean;
}

export interface LogisticOptions {
  /** L2 penalty λ on the standardised weights (not the intercept): loss = mean log-loss + λ/2 ‖w‖². */
  l2?: number;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** log(1 + e^z) without overflow. */
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** Fits the model on rows of feature values (`X[i][j]`) and binary labels. */
export function fitLogistic(
  features: readonly string[],
  X: readonly ArrayLike<number>[],
  y: readonly (boolean | number)[],
  options: LogisticOptions = {},
): LogisticModel {
  const n = X.length;
  const d = features.length;
  if (n === 0) throw new RangeError('fitLogistic: no rows');
  if (y.length !== n) throw new RangeError('fitLogistic: X and y differ in length');
  const l2 = options.l2 ?? 1e-3;
  const means = new Array<number>(d).fill(0);
  const scales = new Array<number>(d).fill(0);
  for (const row of X) for (let j = 0; j < d; j++) means[j]! += row[j]! / n;
  for (const row of X) for (let j = 0; j < d; j++) scales[j]! += (row[j]! - means[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) scales[j] = Math.sqrt(scales[j]!) || 1;
  // Standardised design in one flat array for a tight loop.
  const Z = new Float64Array(n * d);
  X.forEach((row, i) => {
    for (let j = 0; j < d; j++) Z[i * d + j] = (row[j]! - means[j]!) / scales[j]!;
  });
  const labels = Float64Array.from(y, (v) => (v ? 1 : 0));
  const objective = (theta: readonly number[]) => {
    const g = new Array<number>(d + 1).fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let z = theta[d]!;
      for (let j = 0; j < d; j++) z += theta[j]! * Z[i * d + j]!;
      const yi = labels[i]!;
      loss += softplus(z) - yi * z;
      const r = sigmoid(z) - yi;
      for (let j = 0; j < d; j++) g[j]! += r * Z[i * d + j]!;
      g[d]! += r;
    }
    let penalty = 0;
    for (let j = 0; j < d; j++) {
      penalty += theta[j]! ** 2;
      g[j] = g[j]! / n + l2 * theta[j]!;
    }
    g[d] = g[d]! / n;
    return { value: loss / n + (l2 / 2) * penalty, gradient: g };
  };
  const result = lbfgs(objective, new Array<number>(d + 1).fill(0), { gradientTolerance: 1e-8 });
  return {
    features: [...features],
    means,
    scales,
    weights: result.x.slice(0, d),
    intercept: result.x[d]!,
    converged: result.converged,
  };
}

/** Predicted probability for one row of raw (unstandardised) feature values. */
export function predictLogistic(model: LogisticModel, row: ArrayLike<number>): number {
  let z = model.intercept;
  for (let j = 0; j < model.weights.length; j++)
    z += (model.weights[j]! * (row[j]! - model.means[j]!)) / model.scales[j]!;
  return sigmoid(z);
}

/**
 * Folds the standardisation into raw-scale coefficients once, so scoring is one dot product:
 * returns (row) => P(y = 1).
 */
export function compileLogistic(model: LogisticModel): (row: ArrayLike<number>) => number {
  const d = model.weights.length;
  const w = new Float64Array(d);
  let b = model.intercept;
  for (let j = 0; j < d; j++) {
    w[j] = model.weights[j]! / model.scales[j]!;
    b -= w[j]! * model.means[j]!;
  }
  return (row) => {
    let z = b;
    for (let j = 0; j < d; j++) z += w[j]! * row[j]!;
    return sigmoid(z);
  };
}
