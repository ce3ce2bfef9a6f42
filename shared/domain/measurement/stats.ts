/**
 * The statistics core of measurement: everything needed to compare a variant with its control on
 * conversion rate and revenue, and to say — safely, while the experiment is still running —
 * whether to ship it, stop it or wait.
 *
 * Every method names its reference in its JSDoc. Pure functions, no I/O. Rates are proportions
 * in [0, 1]; differences are absolute (0.01 = one percentage point).
 */

import { logAddExp } from '../models/special.js';
import {
  betaCdf,
  chiSquareSf,
  lnBeta,
  normalQuantile,
  normalSf,
  studentTCdf,
  studentTQuantile,
} from './distributions.js';

// ---------------------------------------------------------------------------------------------
// Shared types and validation
// ---------------------------------------------------------------------------------------------

/** Recipients exposed to an arm and how many of them converted. */
export interface ConversionCounts {
  readonly exposures: number;
  readonly conversions: number;
}

/** A closed interval [lower, upper]. */
export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/** A point estimate with its confidence interval. */
export interface IntervalEstimate extends Interval {
  readonly estimate: number;
}

function assertCounts(counts: ConversionCounts, label: string): void {
  const { exposures, conversions } = counts;
  if (!Number.isInteger(exposures) || exposures < 1) {
    throw new RangeError(`${label}: exposures must be a positive integer, got ${exposures}`);
  }
  if (!Number.isInteger(conversions) || conversions < 0 || conversions > exposures) {
    throw new RangeError(`${label}: conversions must be an integer in [0, exposures], got ${conversions}`);
  }
}

function assertConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  }
}

/** The two-sided critical value z_{1−(1−confidence)/2}. */
function twoSidedZ(confidence: number): number {
  assertConfidence(confidence);
  return normalQuantile(1 - (1 - confidence) / 2);
}

const rate = (counts: ConversionCounts): number => counts.conversions / counts.exposures;

// ---------------------------------------------------------------------------------------------
// Intervals for rates and their difference
// ---------------------------------------------------------------------------------------------

/**
 * Wilson score interval for a binomial proportion (E. B. Wilson, JASA 22:209–212, 1927; method 3
 * of Newcombe, Stat Med 17:857–872, 1998). Chosen over the Wald interval because its coverage
 * stays close to nominal at small counts and rates near 0 — where low conversion rates live.
 */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): IntervalEstimate {
  assertCounts({ exposures: n, conversions: successes }, 'wilsonInterval');
  const z = twoSidedZ(confidence);
  const p = successes / n;
  const z2 = z * z;
  const denominator = n + z2;
  const centre = (successes + z2 / 2) / denominator;
  const half = (z * Math.sqrt(n * p * (1 - p) + z2 / 4)) / denominator;
  // At 0 or n successes the bound equals the estimate exactly; clamp the rounding residue.
  return {
    estimate: p,
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === n ? 1 : Math.min(1, centre + half),
  };
}

/**
 * Newcombe's hybrid score interval for the difference of two independent proportions
 * p_treatment − p_control: method 10 of R. G. Newcombe, "Interval estimation for the difference
 * between independent proportions: comparison of eleven methods", Stat Med 17:873–890 (1998).
 * It combines the two Wilson intervals (square-and-add), so it inherits their good coverage near 0
 * and never leaves [−1, 1]:
 *   lower = d − √((p₁ − l₁)² + (u₀ − p₀)²),  upper = d + √((u₁ − p₁)² + (p₀ − l₀)²).
 */
export function newcombeDifference(
  treatment: ConversionCounts,
  control: ConversionCounts,
  confidence = 0.95,
): IntervalEstimate {
  assertCounts(treatment, 'newcombeDifference treatment');
  assertCounts(control, 'newcombeDifference control');
  const t = wilsonInterval(treatment.conversions, treatment.exposures, confidence);
  const c = wilsonInterval(control.conversions, control.exposures, confidence);
  const d = t.estimate - c.estimate;
  return {
    estimate: d,
    lower: d - Math.hypot(t.estimate - t.lower, c.upper - c.estimate),
    upper: d + Math.hypot(t.upper - t.estimate, c.estimate - c.lower),
  };
}

/** Result of a two-proportion z-test. */
export interface ZTest {
  readonly z: number;
  /** Two-sided p-value. */
  readonly pValue: number;
}

/**
 * Two-proportion z-test with the pooled standard error (the score test of H₀: p₁ = p₀; e.g.
 * Agresti, Categorical Data Analysis, §3.1; equals Pearson's χ² test of the 2×2 table, z² = χ²).
 * When both arms have the same all-or-nothing outcome the pooled SE is 0 and the data carry no
 * evidence against H₀: z = 0, p = 1.
 */
export function twoProportionZTest(treatment: ConversionCounts, control: ConversionCounts): ZTest {
  assertCounts(treatment, 'twoProportionZTest treatment');
  assertCounts(control, 'twoProportionZTest control');
  const pooled = (treatment.conversions + control.conversions) / (treatment.exposures + control.exposures);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / treatment.exposures + 1 / control.exposures));
  if (se === 0) return { z: 0, pValue: 1 };
  const z = (rate(treatment) - rate(control)) / se;
  return { z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/** Relative lift p_treatment / p_control − 1 with its interval (undefined when not estimable). */
export interface RelativeLift {
  readonly estimate: number;
  /** Undefined when the treatment has no conversions: the log ratio is then −∞. */
  readonly interval: Interval | undefined;
}

/**
 * Relative lift p₁/p₀ − 1 with the Katz log interval for the risk ratio (D. Katz et al.,
 * Biometrics 34:469–474, 1978): ln(p₁/p₀) ± z·√(1/x₁ − 1/n₁ + 1/x₀ − 1/n₀), exponentiated.
 * Undefined when the control has no conversions (the ratio is infinite or 0/0).
 */
export function relativeLift(
  treatment: ConversionCounts,
  control: ConversionCounts,
  confidence = 0.95,
): RelativeLift | undefined {
  assertCounts(treatment, 'relativeLift treatment');
  assertCounts(control, 'relativeLift control');
  if (control.conversions === 0) return undefined;
  const ratio = rate(treatment) / rate(control);
  const z = twoSidedZ(confidence);
  if (treatment.conversions === 0) return { estimate: ratio - 1, interval: undefined };
  const se = Math.sqrt(
    1 / treatment.conversions - 1 / treatment.exposures + 1 / control.conversions - 1 / control.exposures,
  );
  return {
    estimate: ratio - 1,
    interval: { lower: ratio * Math.exp(-z * se) - 1, upper: ratio * Math.exp(z * se) - 1 },
  };
}

// ---------------------------------------------------------------------------------------------
// Bayesian probability to beat control
// ---------------------------------------------------------------------------------------------

/** Beta(a, b) prior on each arm's conversion rate; {a: 1, b: 1} is uniform. */
export interface BetaPrior {
  readonly a: number;
  readonly b: number;
}

/** Parameters of a Beta distribution. */
interface BetaParams {
  readonly alpha: number;
  readonly beta: number;
}

/** Above this many terms the closed-form sum hands over to quadrature (cost, not accuracy). */
const EXACT_MAX_TERMS = 200_000;

/**
 * P(X_B > X_A) for X_A ~ Beta(aA, bA), X_B ~ Beta(aB, bB) with integer aB ≥ 1, by Evan Miller's
 * closed form ("Formulas for Bayesian A/B testing", 2015):
 *   Σ_{i<aB} B(aA + i, bA + bB) / ((bB + i) B(1 + i, bB) B(aA, bA)).
 * The first term is B(aA, bA + bB) / B(aA, bA) (from lnGamma); each next one follows from the
 * ratio (aA + i)(bB + i) / ((aA + bA + bB + i)(1 + i)), all in log space so that no term under- or
 * overflows, and the sum is a running log-sum-exp.
 */
function millerSum(aA: number, bA: number, aB: number, bB: number): number {
  let logTerm = lnBeta(aA, bA + bB) - lnBeta(aA, bA);
  let logSum = logTerm;
  for (let i = 0; i < aB - 1; i++) {
    logTerm += Math.log(aA + i) + Math.log(bB + i) - Math.log(aA + bA + bB + i) - Math.log(1 + i);
    logSum = logAddExp(logSum, logTerm);
  }
  return Math.exp(logSum);
}

const isSmallInteger = (x: number): boolean => Number.isInteger(x) && x <= EXACT_MAX_TERMS;

/**
 * Exact P(T > C) when at least one posterior parameter is a small integer. Four equivalent forms
 * exist — sum over α_T directly; over α_C via 1 − P(C > T); over β_C or β_T via the mirror
 * 1 − X ~ Beta(β, α), which turns T > C into 1 − C > 1 − T — and the shortest sum is used.
 * Returns undefined when no parameter qualifies.
 */
export function probabilityToBeatExact(t: BetaParams, c: BetaParams): number | undefined {
  const options: { terms: number; run: () => number }[] = [
    { terms: t.alpha, run: () => millerSum(c.alpha, c.beta, t.alpha, t.beta) },
    { terms: c.alpha, run: () => 1 - millerSum(t.alpha, t.beta, c.alpha, c.beta) },
    { terms: c.beta, run: () => millerSum(t.beta, t.alpha, c.beta, c.alpha) },
    { terms: t.beta, run: () => 1 - millerSum(c.beta, c.alpha, t.beta, t.alpha) },
  ];
  let best: (typeof options)[number] | undefined;
  for (const option of options) {
    if (isSmallInteger(option.terms) && (best === undefined || option.terms < best.terms)) best = option;
  }
  return best === undefined ? undefined : Math.min(1, Math.max(0, best.run()));
}

// 20-point Gauss–Legendre nodes on [−1, 1], computed once by Newton's method on P₂₀ (NR §4.6).
const GL_ORDER = 20;
const GL_NODES: number[] = [];
const GL_WEIGHTS: number[] = [];
for (let i = 0; i < GL_ORDER / 2; i++) {
  let z = Math.cos((Math.PI * (i + 0.75)) / (GL_ORDER + 0.5));
  let derivative = 0;
  for (let iteration = 0; iteration < 100; iteration++) {
    let p1 = 1;
    let p2 = 0;
    for (let j = 1; j <= GL_ORDER; j++) {
      const p3 = p2;
      p2 = p1;
      p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
    }
    derivative = (GL_ORDER * (z * p1 - p2)) / (z * z - 1);
    const previous = z;
    z = previous - p1 / derivative;
    if (Math.abs(z - previous) < 1e-16) break;
  }
  const weight = 2 / ((1 - z * z) * derivative * derivative);
  GL_NODES.push(-z, z);
  GL_WEIGHTS.push(weight, weight);
}

function gaussLegendre(f: (x: number) => number, lo: number, hi: number): number {
  const mid = 0.5 * (lo + hi);
  const half = 0.5 * (hi - lo);
  let sum = 0;
  for (let i = 0; i < GL_NODES.length; i++) sum += GL_WEIGHTS[i]! * f(mid + half * GL_NODES[i]!);
  return sum * half;
}

/**
 * Adaptive bisection on top of Gauss–Legendre: split until the two halves agree with the whole to
 * an absolute `tolerance` or 1e-13 relative (the floor stops rounding noise from forcing splits).
 */
function adaptiveIntegral(
  f: (x: number) => number,
  lo: number,
  hi: number,
  tolerance: number,
  depth = 20,
): number {
  const whole = gaussLegendre(f, lo, hi);
  const mid = 0.5 * (lo + hi);
  const left = gaussLegendre(f, lo, mid);
  const right = gaussLegendre(f, mid, hi);
  const refined = left + right;
  if (depth === 0 || Math.abs(refined - whole) <= tolerance + 1e-13 * Math.abs(refined)) return refined;
  return (
    adaptiveIntegral(f, lo, mid, tolerance, depth - 1) + adaptiveIntegral(f, mid, hi, tolerance, depth - 1)
  );
}

/** Breakpoints that put the bulk of both posteriors on their own short pieces. */
function bulkBreakpoints(params: readonly BetaParams[]): number[] {
  const points = new Set<number>([0, 1]);
  for (const { alpha, beta } of params) {
    const n = alpha + beta;
    const mean = alpha / n;
    const sd = Math.sqrt((alpha * beta) / (n * n * (n + 1)));
    for (const k of [-32, -16, -8, -4, -2, -1, 0, 1, 2, 4, 8, 16, 32]) {
      const x = mean + k * sd;
      if (x > 0 && x < 1) points.add(x);
    }
  }
  return [...points].sort((a, b) => a - b);
}

/**
 * Pieces [lo·2^−(j+1), lo·2^−j] towards an endpoint: each is analytic relative to its width, so
 * Gauss–Legendre converges fast even where the integrand behaves like x^s with fractional s
 * (non-integer priors). `levels` is chosen so the part left out has mass below ~2^−53.
 */
function gradedPieces(width: number, levels: number): [number, number][] {
  const pieces: [number, number][] = [];
  let outer = width;
  for (let j = 0; j < levels; j++) {
    pieces.push([outer / 2, outer]);
    outer /= 2;
  }
  return pieces;
}

/**
 * P(T > C) = ∫ f_T(x) F_C(x) dx by adaptive Gauss–Legendre quadrature over pieces placed at both
 * posteriors' means ± up to 32 SDs, with geometric grading into x = 0 and x = 1 where fractional
 * parameters make the integrand singular. For non-integer or very large parameters.
 */
export function probabilityToBeatByQuadrature(t: BetaParams, c: BetaParams): number {
  const lnNorm = lnBeta(t.alpha, t.beta);
  const integrand = (x: number): number => {
    if (!(x > 0 && x < 1)) return 0;
    const logPdf = (t.alpha - 1) * Math.log(x) + (t.beta - 1) * Math.log1p(-x) - lnNorm;
    return Math.exp(logPdf) * betaCdf(x, c.alpha, c.beta);
  };
  const points = bulkBreakpoints([t, c]);
  // Near 0 the integrand behaves like x^(α_T + α_C − 1), near 1 like (1 − x)^(β_T − 1): enough
  // halvings that the part left out is below 2^−53 of its scale, plus margin for the density's
  // normalising constant.
  const leftLevels = Math.min(1000, Math.ceil(53 / (t.alpha + c.alpha)) + 64);
  const rightLevels = Math.min(1000, Math.ceil(53 / t.beta) + 64);
  let total = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const lo = points[i]!;
    const hi = points[i + 1]!;
    if (i === 0) {
      for (const [a, b] of gradedPieces(hi, leftLevels)) total += adaptiveIntegral(integrand, a, b, 1e-15);
    } else if (i + 2 === points.length) {
      for (const [a, b] of gradedPieces(1 - lo, rightLevels)) {
        total += adaptiveIntegral(integrand, 1 - b, 1 - a, 1e-15);
      }
    } else {
      total += adaptiveIntegral(integrand, lo, hi, 1e-15);
    }
  }
  return Math.min(1, Math.max(0, total));
}

/**
 * Posterior probability that the treatment's conversion rate exceeds the control's, with
 * independent Beta(prior.a + conversions, prior.b + exposures − conversions) posteriors. Exact
 * (Evan Miller's closed form) when some posterior parameter is an integer ≤ 200,000 — always, under
 * the default uniform prior at realistic conversion counts; otherwise numerical quadrature.
 */
export function probabilityToBeat(
  treatment: ConversionCounts,
  control: ConversionCounts,
  prior: BetaPrior = { a: 1, b: 1 },
): number {
  if (!(prior.a > 0 && prior.b > 0 && Number.isFinite(prior.a) && Number.isFinite(prior.b))) {
    throw new RangeError(`prior parameters must be positive and finite, got a=${prior.a}, b=${prior.b}`);
  }
  for (const [counts, label] of [
    [treatment, 'treatment'],
    [control, 'control'],
  ] as const) {
    if (!Number.isInteger(counts.exposures) || counts.exposures < 0) {
      throw new RangeError(`probabilityToBeat ${label}: exposures must be a non-negative integer`);
    }
    if (
      !Number.isInteger(counts.conversions) ||
      counts.conversions < 0 ||
      counts.conversions > counts.exposures
    ) {
      throw new RangeError(`probabilityToBeat ${label}: conversions must be an integer in [0, exposures]`);
    }
  }
  const posterior = (counts: ConversionCounts): BetaParams => ({
    alpha: prior.a + counts.conversions,
    beta: prior.b + counts.exposures - counts.conversions,
  });
  const t = posterior(treatment);
  const c = posterior(control);
  return probabilityToBeatExact(t, c) ?? probabilityToBeatByQuadrature(t, c);
}

// ---------------------------------------------------------------------------------------------
// Sample ratio mismatch
// ---------------------------------------------------------------------------------------------

/** Result of the sample-ratio-mismatch check. */
export interface SampleRatioMismatch {
  /** Pearson's χ² goodness-of-fit statistic. */
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
  /** The p-value below which assignment is considered broken. */
  readonly threshold: number;
  readonly mismatch: boolean;
}

/**
 * Sample ratio mismatch: Pearson's χ² goodness-of-fit test of the observed exposure counts per arm
 * against the configured allocation (shares are normalised, so [1, 1] means 50/50). A tiny p-value
 * means assignment or logging is broken and no effect estimate can be trusted (Fabijan et al.,
 * "Diagnosing Sample Ratio Mismatch in Online Controlled Experiments", KDD 2019). The default
 * threshold p < 0.001 is the usual one: strict, because the check runs at every look.
 */
export function sampleRatioMismatch(
  observedCounts: readonly number[],
  expectedShares: readonly number[],
  threshold = 0.001,
): SampleRatioMismatch {
  if (observedCounts.length < 2 || observedCounts.length !== expectedShares.length) {
    throw new RangeError('sampleRatioMismatch needs at least two arms and one share per arm');
  }
  if (observedCounts.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new RangeError('sampleRatioMismatch: counts must be non-negative');
  }
  if (expectedShares.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new RangeError('sampleRatioMismatch: expected shares must be positive');
  }
  if (!(threshold > 0 && threshold < 1))
    throw new RangeError(`threshold must be in (0, 1), got ${threshold}`);
  const df = observedCounts.length - 1;
  const total = observedCounts.reduce((s, n) => s + n, 0);
  if (total === 0) return { statistic: 0, df, pValue: 1, threshold, mismatch: false };
  const shareTotal = expectedShares.reduce((s, x) => s + x, 0);
  let statistic = 0;
  for (let i = 0; i < observedCounts.length; i++) {
    const expected = (total * expectedShares[i]!) / shareTotal;
    const deviation = observedCounts[i]! - expected;
    statistic += (deviation * deviation) / expected;
  }
  const pValue = chiSquareSf(statistic, df);
  return { statistic, df, pValue, threshold, mismatch: pValue < threshold };
}

// ---------------------------------------------------------------------------------------------
// Sequential guard: always-valid inference (mixture SPRT)
// ---------------------------------------------------------------------------------------------

/**
 * Default mixing variance τ² = 0.01² for the absolute conversion-rate difference. The mSPRT's
 * mixing distribution N(0, τ²) is a prior guess at the size of real effects (Johari et al. choose
 * τ from past experiments): marketing conversion rates sit around 1–10 % and lifts worth acting on
 * move them by tenths of a point to a couple of points, so τ = one percentage point is the right
 * scale. The cost of misjudging it is mild: the interval's squared half-width is
 * V(1 + V/τ²)(2 ln(1/α) + ln(1 + τ²/V)), which grows only logarithmically when τ² is too large.
 */
export const DEFAULT_TAU_SQUARED = 1e-4;

/** Settings of the sequential guard. Keep them fixed for the life of an experiment. */
export interface SequentialOptions {
  /** Mixing variance τ² of the mSPRT on the absolute difference (default 1e-4). */
  readonly tauSquared?: number;
  /** Error rate α of the confidence sequence (default 0.05). */
  readonly alpha?: number;
}

/** The running always-valid state, carried from one look to the next. */
export interface SequentialState {
  /** Always-valid p-value: the minimum over all looks so far. */
  readonly pValue: number;
  /** Confidence sequence at level 1 − α: the intersection of all looks' intervals so far. */
  readonly interval: Interval;
}

/** The always-valid state after this look, plus this look's own estimate. */
export interface SequentialLook extends SequentialState {
  readonly estimate: number;
  /** Plug-in variance of the estimated difference at this look. */
  readonly variance: number;
}

function resolveSequential(options: SequentialOptions): { tauSquared: number; alpha: number } {
  const tauSquared = options.tauSquared ?? DEFAULT_TAU_SQUARED;
  const alpha = options.alpha ?? 0.05;
  if (!(tauSquared > 0 && Number.isFinite(tauSquared))) {
    throw new RangeError(`tauSquared must be positive, got ${tauSquared}`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  return { tauSquared, alpha };
}

/** Estimated difference and its unpooled plug-in variance p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀. */
function differenceMoments(treatment: ConversionCounts, control: ConversionCounts) {
  assertCounts(treatment, 'sequential treatment');
  assertCounts(control, 'sequential control');
  const p1 = rate(treatment);
  const p0 = rate(control);
  return {
    estimate: p1 - p0,
    variance: (p1 * (1 - p1)) / treatment.exposures + (p0 * (1 - p0)) / control.exposures,
  };
}

/**
 * ln Λ of the normal-mixture SPRT: the likelihood ratio of θ ~ N(θ₀, τ²) against θ = θ₀ for an
 * estimate θ̂ ~ N(θ, V) (Johari, Pekelis & Walsh, "Always valid inference: continuous monitoring of
 * A/B tests", Operations Research 70(3), 2022; arXiv:1512.04922, 2015/2017, eq. for the two-stream
 * normal case with V = 2σ²/n):
 *   Λ = √(V / (V + τ²)) · exp(τ² (θ̂ − θ₀)² / (2V(V + τ²))).
 */
export function mixtureLogLikelihoodRatio(
  estimate: number,
  variance: number,
  tauSquared: number,
  theta0 = 0,
): number {
  const deviation = estimate - theta0;
  return (
    0.5 * Math.log(variance / (variance + tauSquared)) +
    (tauSquared * deviation * deviation) / (2 * variance * (variance + tauSquared))
  );
}

/**
 * Always-valid p-value for H₀: p_treatment = p_control after this look: min(previous, 1/Λ). It may
 * be checked after every batch of data, as often as wanted; P(it ever drops below α | H₀) ≤ α
 * (Johari et al.; exact for normal data, approximate here through the normal approximation and the
 * plug-in variance). Pass the previous look's value to keep the running minimum; 1 before the first.
 * A look with zero plug-in variance (every rate 0 or 1) carries no usable evidence and leaves the
 * p-value unchanged.
 */
export function alwaysValidPValue(
  treatment: ConversionCounts,
  control: ConversionCounts,
  options: SequentialOptions = {},
  previousPValue = 1,
): number {
  const { tauSquared } = resolveSequential(options);
  const { estimate, variance } = differenceMoments(treatment, control);
  if (variance === 0) return previousPValue;
  const p = Math.exp(-mixtureLogLikelihoodRatio(estimate, variance, tauSquared));
  return Math.min(previousPValue, p, 1);
}

/**
 * This look's half-width of the confidence sequence: the θ₀ with Λ(θ₀) < 1/α form
 * |θ̂ − θ₀| < √(V(V + τ²)/τ² · (2 ln(1/α) + ln((V + τ²)/V))).
 */
function confidenceSequenceHalfWidth(variance: number, tauSquared: number, alpha: number): number {
  const total = variance + tauSquared;
  return Math.sqrt(
    ((variance * total) / tauSquared) * (2 * Math.log(1 / alpha) + Math.log(total / variance)),
  );
}

/**
 * Always-valid (1 − α) confidence sequence for p_treatment − p_control (Johari et al.): the set of
 * differences θ₀ the mSPRT has not rejected, intersected with the previous look's interval so it
 * only ever narrows. Clipped to [−1, 1]. If the intersection is empty — possible only because the
 * variance is estimated — this look's own interval is returned rather than an empty set.
 * Zero plug-in variance leaves the previous interval (or [−1, 1]) unchanged.
 */
export function alwaysValidInterval(
  treatment: ConversionCounts,
  control: ConversionCounts,
  options: SequentialOptions = {},
  previous?: Interval,
): Interval {
  const { tauSquared, alpha } = resolveSequential(options);
  const { estimate, variance } = differenceMoments(treatment, control);
  const prior = previous ?? { lower: -1, upper: 1 };
  if (variance === 0) return prior;
  const half = confidenceSequenceHalfWidth(variance, tauSquared, alpha);
  const current = { lower: Math.max(-1, estimate - half), upper: Math.min(1, estimate + half) };
  const lower = Math.max(prior.lower, current.lower);
  const upper = Math.min(prior.upper, current.upper);
  return lower <= upper ? { lower, upper } : current;
}

/** One look of the sequential guard: the new always-valid p-value and interval together. */
export function sequentialLook(
  treatment: ConversionCounts,
  control: ConversionCounts,
  options: SequentialOptions = {},
  previous?: SequentialState,
): SequentialLook {
  const { estimate, variance } = differenceMoments(treatment, control);
  return {
    estimate,
    variance,
    pValue: alwaysValidPValue(treatment, control, options, previous?.pValue ?? 1),
    interval: alwaysValidInterval(treatment, control, options, previous?.interval),
  };
}

// ---------------------------------------------------------------------------------------------
// Revenue / margin per recipient
// ---------------------------------------------------------------------------------------------

/** Sufficient statistics of a per-recipient amount (zeros included for non-buyers). */
export interface SumStats {
  readonly n: number;
  readonly sum: number;
  /** Σ amount² over recipients (square each recipient's total, not each order). */
  readonly sumSquares: number;
}

/** Difference of mean amounts per recipient with its interval and test. */
export interface MeanDifference extends IntervalEstimate {
  readonly treatmentMean: number;
  readonly controlMean: number;
  readonly standardError: number;
  /** Welch–Satterthwaite degrees of freedom (∞ for the normal approximation). */
  readonly df: number;
  /** Two-sided p-value for equal means. */
  readonly pValue: number;
}

/** Options for `revenueInterval`. */
export interface RevenueIntervalOptions {
  readonly confidence?: number;
  /** 'welch' (default) uses Student's t with Welch–Satterthwaite df; 'normal' uses z. */
  readonly method?: 'welch' | 'normal';
}

function meanAndVariance(stats: SumStats, label: string): { mean: number; variance: number } {
  if (!Number.isInteger(stats.n) || stats.n < 2) throw new RangeError(`${label}: n must be an integer ≥ 2`);
  if (!Number.isFinite(stats.sum) || !(stats.sumSquares >= 0)) {
    throw new RangeError(`${label}: sum must be finite and sumSquares non-negative`);
  }
  const mean = stats.sum / stats.n;
  // Σx² − (Σx)²/n loses digits when the mean dwarfs the spread; clamp the rounding residue at 0.
  const variance = Math.max(0, (stats.sumSquares - (stats.sum * stats.sum) / stats.n) / (stats.n - 1));
  return { mean, variance };
}

/**
 * Difference in mean revenue (or margin) per recipient, treatment − control, from sufficient
 * statistics, by Welch's unequal-variance t interval (B. L. Welch, Biometrika 34:28–35, 1947;
 * Satterthwaite df) or its normal approximation. Revenue per recipient is heavily skewed (mostly
 * zeros); the interval relies on the central limit theorem and is trustworthy at hundreds of
 * recipients per arm, not tens.
 */
export function revenueInterval(
  treatment: SumStats,
  control: SumStats,
  options: RevenueIntervalOptions = {},
): MeanDifference {
  const confidence = options.confidence ?? 0.95;
  assertConfidence(confidence);
  const t = meanAndVariance(treatment, 'revenueInterval treatment');
  const c = meanAndVariance(control, 'revenueInterval control');
  const vt = t.variance / treatment.n;
  const vc = c.variance / control.n;
  const standardError = Math.sqrt(vt + vc);
  const estimate = t.mean - c.mean;
  const base = { treatmentMean: t.mean, controlMean: c.mean, estimate, standardError };
  if (standardError === 0) {
    // Both arms constant: the difference is known exactly.
    return {
      ...base,
      lower: estimate,
      upper: estimate,
      df: Number.POSITIVE_INFINITY,
      pValue: estimate === 0 ? 1 : 0,
    };
  }
  const df =
    options.method === 'normal'
      ? Number.POSITIVE_INFINITY
      : (vt + vc) ** 2 / ((vt * vt) / (treatment.n - 1) + (vc * vc) / (control.n - 1));
  const critical = studentTQuantile(1 - (1 - confidence) / 2, df);
  const statistic = estimate / standardError;
  return {
    ...base,
    lower: estimate - critical * standardError,
    upper: estimate + critical * standardError,
    df,
    pValue: Math.min(1, 2 * studentTCdf(-Math.abs(statistic), df)),
  };
}

// ---------------------------------------------------------------------------------------------
// Recommendation
// ---------------------------------------------------------------------------------------------

/** What to do with the variant. */
export type Decision = 'go' | 'stop' | 'keep_running' | 'check_assignment';

/** Why: one machine-readable code per rule. */
export type DecisionReason =
  | 'sample_ratio_mismatch'
  | 'below_minimum_sample'
  | 'significant_improvement'
  | 'significant_harm'
  | 'futile'
  | 'inconclusive';

/** A decision, its reason code and a sentence for people. */
export interface Recommendation {
  readonly decision: Decision;
  readonly reason: DecisionReason;
  readonly message: string;
}

/** What `recommend` looks at. */
export interface RecommendationInput {
  /** Always-valid confidence sequence for the conversion-rate difference (treatment − control). */
  readonly interval: Interval;
  readonly sampleRatioMismatch: boolean;
  readonly treatmentExposures: number;
  readonly controlExposures: number;
  /** Level of the interval, for the sentence only (default 0.95). */
  readonly level?: number;
}

/** Thresholds of `recommend`. */
export interface RecommendOptions {
  /** No go/stop before each arm has this many exposures (default 100). */
  readonly minSamplePerArm?: number;
  /**
   * Smallest absolute improvement worth shipping (e.g. 0.002 = 0.2 points). When the interval's
   * upper bound falls below it, waiting longer cannot show an effect that matters: stop for
   * futility. No futility rule when omitted.
   */
  readonly minimumEffect?: number;
}

const formatPoints = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)}`;
const describe = (interval: Interval, level: number): string =>
  `the always-valid ${Math.round(level * 1000) / 10}% interval for the conversion-rate difference is ` +
  `${formatPoints(interval.lower)} to ${formatPoints(interval.upper)} percentage points`;

/**
 * Go / stop / keep running, in this order of precedence:
 * 1. sample ratio mismatch → check_assignment (never go: the comparison itself is suspect);
 * 2. fewer than `minSamplePerArm` exposures in an arm → keep_running;
 * 3. always-valid interval entirely above 0 → go;
 * 4. entirely below 0 → stop (harm);
 * 5. upper bound below `minimumEffect` → stop (futility);
 * 6. otherwise keep_running.
 * Only the always-valid interval is used, so the decision may be re-taken at every look without
 * inflating the error rate (unlike a fixed-horizon p-value checked daily).
 */
export function recommend(input: RecommendationInput, options: RecommendOptions = {}): Recommendation {
  const minSample = options.minSamplePerArm ?? 100;
  const level = input.level ?? 0.95;
  const { interval } = input;
  if (input.sampleRatioMismatch) {
    return {
      decision: 'check_assignment',
      reason: 'sample_ratio_mismatch',
      message:
        'The arms received a different share of recipients than configured (sample ratio mismatch); ' +
        'fix assignment or exposure logging before trusting any result.',
    };
  }
  const smallest = Math.min(input.treatmentExposures, input.controlExposures);
  if (smallest < minSample) {
    return {
      decision: 'keep_running',
      reason: 'below_minimum_sample',
      message: `Keep running: an arm has ${smallest} exposures, fewer than the ${minSample} needed before deciding.`,
    };
  }
  if (interval.lower > 0) {
    return {
      decision: 'go',
      reason: 'significant_improvement',
      message: `Go: the variant converts better; ${describe(interval, level)}, entirely above zero.`,
    };
  }
  if (interval.upper < 0) {
    return {
      decision: 'stop',
      reason: 'significant_harm',
      message: `Stop: the variant converts worse; ${describe(interval, level)}, entirely below zero.`,
    };
  }
  if (options.minimumEffect !== undefined && interval.upper < options.minimumEffect) {
    return {
      decision: 'stop',
      reason: 'futile',
      message:
        `Stop for futility: ${describe(interval, level)}, so any improvement is smaller than the ` +
        `${formatPoints(options.minimumEffect)} points worth shipping.`,
    };
  }
  return {
    decision: 'keep_running',
    reason: 'inconclusive',
    message: `Keep running: ${describe(interval, level)}, which still includes zero.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Everything for one variant against control
// ---------------------------------------------------------------------------------------------

/** Observed data of one arm; amounts are per-recipient sums over the arm's exposures. */
export interface ArmData extends ConversionCounts {
  readonly revenue?: { readonly sum: number; readonly sumSquares: number };
  readonly margin?: { readonly sum: number; readonly sumSquares: number };
}

/** Options of `compareArms`. */
export interface CompareOptions {
  /** Level of the fixed-horizon intervals (default 0.95). */
  readonly confidence?: number;
  readonly prior?: BetaPrior;
  readonly sequential?: SequentialOptions;
  /** The sequential state stored after the previous look, if any. */
  readonly previous?: SequentialState;
  /** Configured allocation [arm, control] (default equal). Ignored when `srm` is given. */
  readonly expectedShares?: readonly [number, number];
  /** A precomputed SRM result over all arms of the experiment (preferred for > 2 arms). */
  readonly srm?: SampleRatioMismatch;
  readonly srmThreshold?: number;
  readonly minSamplePerArm?: number;
  readonly minimumEffect?: number;
}

/** Per-arm summary. */
export interface ArmSummary {
  readonly exposures: number;
  readonly conversions: number;
  /** Conversion rate with its Wilson interval. */
  readonly rate: IntervalEstimate;
  readonly revenuePerRecipient?: number;
  readonly marginPerRecipient?: number;
}

/** Everything measurement reports for a variant against control. */
export interface ArmComparison {
  readonly arm: ArmSummary;
  readonly control: ArmSummary;
  /** Absolute lift p_arm − p_control with Newcombe's hybrid score interval. */
  readonly absoluteLift: IntervalEstimate;
  readonly relativeLift: RelativeLift | undefined;
  /** Fixed-horizon pooled z-test: valid once, at a sample size fixed in advance. */
  readonly zTest: ZTest;
  readonly probabilityToBeat: number;
  /** Always-valid state after this look; store it and pass it back as `previous` next time. */
  readonly sequential: SequentialLook;
  readonly srm: SampleRatioMismatch;
  /** Undefined when no revenue sums were given or an arm has fewer than 2 exposures. */
  readonly revenue: MeanDifference | undefined;
  readonly margin: MeanDifference | undefined;
  readonly recommendation: Recommendation;
}

function amountDifference(
  arm: ArmData,
  control: ArmData,
  key: 'revenue' | 'margin',
  confidence: number,
): MeanDifference | undefined {
  const a = arm[key];
  const c = control[key];
  if (a === undefined || c === undefined || arm.exposures < 2 || control.exposures < 2) return undefined;
  return revenueInterval({ n: arm.exposures, ...a }, { n: control.exposures, ...c }, { confidence });
}

function summarise(data: ArmData, confidence: number): ArmSummary {
  return {
    exposures: data.exposures,
    conversions: data.conversions,
    rate: wilsonInterval(data.conversions, data.exposures, confidence),
    ...(data.revenue ? { revenuePerRecipient: data.revenue.sum / data.exposures } : {}),
    ...(data.margin ? { marginPerRecipient: data.margin.sum / data.exposures } : {}),
  };
}

/**
 * Compares one variant with control and returns every figure above plus the recommendation. Both
 * arms need at least one exposure; call it only once assignment has started.
 */
export function compareArms(arm: ArmData, control: ArmData, options: CompareOptions = {}): ArmComparison {
  const confidence = options.confidence ?? 0.95;
  assertCounts(arm, 'compareArms arm');
  assertCounts(control, 'compareArms control');
  const srm =
    options.srm ??
    sampleRatioMismatch(
      [arm.exposures, control.exposures],
      options.expectedShares ?? [1, 1],
      options.srmThreshold,
    );
  const sequential = sequentialLook(arm, control, options.sequential, options.previous);
  return {
    arm: summarise(arm, confidence),
    control: summarise(control, confidence),
    absoluteLift: newcombeDifference(arm, control, confidence),
    relativeLift: relativeLift(arm, control, confidence),
    zTest: twoProportionZTest(arm, control),
    probabilityToBeat: probabilityToBeat(arm, control, options.prior),
    sequential,
    srm,
    revenue: amountDifference(arm, control, 'revenue', confidence),
    margin: amountDifference(arm, control, 'margin', confidence),
    recommendation: recommend(
      {
        interval: sequential.interval,
        sampleRatioMismatch: srm.mismatch,
        treatmentExposures: arm.exposures,
        controlExposures: control.exposures,
        level: 1 - (options.sequential?.alpha ?? 0.05),
      },
      {
        ...(options.minSamplePerArm !== undefined ? { minSamplePerArm: options.minSamplePerArm } : {}),
        ...(options.minimumEffect !== undefined ? { minimumEffect: options.minimumEffect } : {}),
      },
    ),
  };
}
