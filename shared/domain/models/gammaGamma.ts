/**
 * Gamma-Gamma model of monetary value (Fader & Hardie, "The Gamma-Gamma Model of Monetary Value",
 * 2013; Colombo & Jiang 1999). Spend per transaction z ~ Gamma(p, ν) with ν ~ Gamma(q, γ) across
 * customers; assumed independent of the transaction process. Fitted on customers with x ≥ 1 using
 * m = mean spend of their x repeat transactions.
 */

import { createRng } from '../random.js';
import type { FitDiagnostics, FitOptions } from './bgnbd.js';
import { multiStartLbfgs, standardErrors } from './optimize.js';
import { digamma, lnGamma } from './special.js';

/** A repeat customer's number of repeat transactions and their mean spend. */
export interface SpendRow {
  x: number;
  monetaryValue: number;
}

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  customers: number;
  diagnostics: FitDiagnostics;
}

/**
 * Log-likelihood of the mean spends and its gradient w.r.t. (ln p, ln q, ln γ):
 * ln f(m | x) = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + m x).
 */
export function gammaGammaLogLikelihood(
  params: GammaGammaParams,
  rows: readonly SpendRow[],
): { value: number; gradient: number[] } {
  const { p, q, gamma } = params;
  const lnG = Math.log(gamma);
  const lnGq = lnGamma(q);
  const psiQ = digamma(q);
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gg = 0;
  for (const { x, monetaryValue: m } of rows) {
    const px = p * x;
    const lnM = Math.log(m);
    const lnX = Math.log(x);
    const lnD = Math.log(gamma + m * x);
    const psiPxq = digamma(px + q);
    ll += lnGamma(px + q) - lnGamma(px) - lnGq + q * lnG + (px - 1) * lnM + px * lnX - (px + q) * lnD;
    gp += x * (psiPxq - digamma(px) + lnM + lnX - lnD);
    gq += psiPxq - psiQ + lnG - lnD;
    gg += q / gamma - (px + q) / (gamma + m * x);
  }
  return { value: ll, gradient: [gp * p, gq * q, gg * gamma] };
}

/** Maximum-likelihood Gamma-Gamma fit over customers with x ≥ 1 and a positive mean spend. */
export function fitGammaGamma(rows: readonly SpendRow[], options: FitOptions = {}): GammaGammaFit {
  const data = rows.filter((r) => r.x >= 1 && r.monetaryValue > 0);
  const n = data.length;
  if (n === 0) throw new RangeError('fitGammaGamma: no customers with a repeat purchase and positive spend');
  const toParams = (t: readonly number[]): GammaGammaParams => ({
    p: Math.exp(t[0]!),
    q: Math.exp(t[1]!),
    gamma: Math.exp(t[2]!),
  });
  const objective = (t: readonly number[]) => {
    if (t.some((v) => !(Math.abs(v) <= 30))) return { value: Number.POSITIVE_INFINITY, gradient: [0, 0, 0] };
    const { value, gradient } = gammaGammaLogLikelihood(toParams(t), data);
    return { value: -value / n, gradient: gradient.map((g) => -g / n) };
  };
  // Informed start: p = q = 2 and γ matching the mean spend, E[m] = pγ/(q−1).
  const meanSpend = data.reduce((s, r) => s + r.monetaryValue, 0) / n;
  const starts: number[][] = [[Math.log(2), Math.log(2), Math.log(meanSpend / 2)]];
  const rng = createRng(options.seed ?? 1);
  for (let k = 1; k < (options.starts ?? 8); k++) {
    const lnP = rng.uniform(Math.log(0.2), Math.log(20));
    const lnQ = rng.uniform(Math.log(1.2), Math.log(20));
    // γ set so that the start's mean spend is within a factor e of the observed mean.
    starts.push([lnP, lnQ, Math.log(meanSpend) + Math.log(Math.exp(lnQ) - 1) - lnP + rng.uniform(-1, 1)]);
  }
  const { best, runs, agreeing } = multiStartLbfgs(objective, starts, {
    gradientTolerance: options.gradientTolerance ?? 1e-7,
  });
  return {
    params: toParams(best.x),
    logLikelihood: -best.value * n,
    customers: n,
    diagnostics: {
      converged: best.converged,
      gradientNorm: best.gradientNorm,
      starts: runs.length,
      agreeingStarts: agreeing,
      iterations: runs.reduce((s, r) => s + r.iterations, 0),
      evaluations: runs.reduce((s, r) => s + r.evaluations, 0),
    },
  };
}

/**
 * E[Z | m, x]: expected spend per transaction, a credibility-weighted mix of the population mean
 * pγ/(q−1) and the customer's own mean: (p(γ + m x)) / (p x + q − 1). Population mean when x = 0.
 */
export function expectedAverageSpend(params: GammaGammaParams, row: SpendRow): number {
  const { p, q, gamma } = params;
  if (row.x <= 0) return (p * gamma) / (q - 1);
  return (p * (gamma + row.monetaryValue * row.x)) / (p * row.x + q - 1);
}

/** Standard errors of (ln p, ln q, ln γ) at `params` (inverse observed information). */
export function gammaGammaLogParamStandardErrors(
  params: GammaGammaParams,
  rows: readonly SpendRow[],
): number[] {
  const data = rows.filter((r) => r.x >= 1 && r.monetaryValue > 0);
  const at = [params.p, params.q, params.gamma].map(Math.log);
  return standardErrors(
    (t) =>
      gammaGammaLogLikelihood({ p: Math.exp(t[0]!), q: Math.exp(t[1]!), gamma: Math.exp(t[2]!) }, data)
        .gradient,
    at,
  );
}
