/**
 * Special functions for the customer-base models: log-gamma, digamma, the Gaussian
 * hypergeometric function 2F1 and a stable log-sum-exp. Pure TypeScript, double precision.
 */

// Lanczos approximation, g = 7, n = 9 (Numerical Recipes / Godfrey coefficients): relative
// error below 2e-15 for x >= 0.5; the reflection formula covers x < 0.5.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

/** Natural log of |Γ(x)|; NaN at the poles (0, -1, -2, …). */
export function lnGamma(x: number): number {
  if (x < 0.5) {
    if (Number.isInteger(x)) return Number.NaN;
    // Γ(x)Γ(1−x) = π / sin(πx)
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  }
  if (x > 1e7) {
    // Stirling with the 1/(12x) correction is exact to double precision here.
    return (x - 0.5) * Math.log(x) - x + HALF_LN_2PI + 1 / (12 * x);
  }
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LN_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Digamma ψ(x) = d/dx ln Γ(x): upward recurrence to x ≥ 10, then the asymptotic series. */
export function digamma(x: number): number {
  if (x <= 0 && Number.isInteger(x)) return Number.NaN;
  if (x < 0) return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  let acc = 0;
  let y = x;
  while (y < 10) {
    acc -= 1 / y;
    y += 1;
  }
  const inv = 1 / y;
  const inv2 = inv * inv;
  // ψ(y) ~ ln y − 1/(2y) − Σ B_2k / (2k y^2k)
  const series =
    inv2 *
    (1 / 12 -
      inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760))))));
  return acc + Math.log(y) - 0.5 * inv - series;
}

/** ln Γ(x + n) − ln Γ(x) for integer n ≥ 0: exact sum of logs when n is small (no cancellation). */
export function lnPochhammer(x: number, n: number): number {
  if (n <= 24) {
    let s = 0;
    for (let k = 0; k < n; k++) s += Math.log(x + k);
    return s;
  }
  return lnGamma(x + n) - lnGamma(x);
}

/** ψ(x + n) − ψ(x) for integer n ≥ 0. */
export function digammaDiff(x: number, n: number): number {
  if (n <= 24) {
    let s = 0;
    for (let k = 0; k < n; k++) s += 1 / (x + k);
    return s;
  }
  return digamma(x + n) - digamma(x);
}

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Thrown when a series does not converge within its term budget. */
export class SeriesConvergenceError extends Error {
  override readonly name = 'SeriesConvergenceError';
}

/**
 * Gaussian hypergeometric 2F1(a, b; c; z) for 0 ≤ z < 1 and a, b, c > 0 (the only region the
 * BG/NBD needs). Power series summed until the term is below 1e-15 of the sum *and* the term ratio
 * is below 1 (the ratio tends to z monotonically, so the tail is bounded by a geometric series); throws if it has not converged after
 * `maxTerms` terms rather than returning a silently truncated value.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms = 1_000_000): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1: z must be in [0, 1), got ${z}`);
  if (z === 0) return 1;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxTerms; n++) {
    const ratio = ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    term *= ratio;
    sum += term;
    // Tail bound: once the ratio is < 1 and decreasing towards z, the tail is ≤ term·ρ/(1−ρ).
    const rho = Math.max(ratio, z);
    if (ratio < 1 && Math.abs(term) * (rho / (1 - rho)) <= 1e-16 * Math.abs(sum)) return sum;
  }
  throw new SeriesConvergenceError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge in ${maxTerms} terms`);
}
