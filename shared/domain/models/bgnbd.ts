/**
 * BG/NBD model of repeat buying (Fader, Hardie & Lee, "Counting Your Customers the Easy Way",
 * Marketing Science 24(2), 2005). While alive a customer buys as a Poisson process with rate
 * λ ~ Gamma(r, α); after each purchase they drop out with probability p ~ Beta(a, b).
 * Time is in whatever unit the (t_x, T) rows use (weeks throughout Feltfit).
 */

import { createRng } from '../random.js';
import { multiStartLbfgs, standardErrors } from './optimize.js';
import { digammaDiff, hyp2f1, lnPochhammer, logAddExp } from './special.js';

/** One customer's calibration summary: x repeat purchases, the last at t_x, observed for T. */
export interface Rfm {
  x: number;
  tx: number;
  T: number;
}

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Customers with identical (x, t_x, T) merged into one weighted row, sorted by x. */
export interface RfmAggregate {
  x: Int32Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  /** Distinct x values and the [start, end) row range of each (rows are sorted by x). */
  groups: { x: number; start: number; end: number }[];
  /** Total weight = number of customers. */
  customers: number;
}

/** Merges identical (x, t_x, T) rows; the likelihood then costs one term per distinct row. */
export function aggregateRfm(rows: readonly Rfm[]): RfmAggregate {
  const counts = new Map<string, { x: number; tx: number; T: number; w: number }>();
  for (const row of rows) {
    if (!(Number.isInteger(row.x) && row.x >= 0 && row.tx >= 0 && row.T >= row.tx)) {
      throw new RangeError(`invalid RFM row x=${row.x} t_x=${row.tx} T=${row.T}`);
    }
    const key = `${row.x}|${row.tx}|${row.T}`;
    const hit = counts.get(key);
    if (hit) hit.w++;
    else counts.set(key, { x: row.x, tx: row.tx, T: row.T, w: 1 });
  }
  const merged = [...counts.values()].sort((p, q) => p.x - q.x || p.T - q.T || p.tx - q.tx);
  const n = merged.length;
  const agg: RfmAggregate = {
    x: new Int32Array(n),
    tx: new Float64Array(n),
    T: new Float64Array(n),
    weight: new Float64Array(n),
    groups: [],
    customers: rows.length,
  };
  merged.forEach((m, i) => {
    agg.x[i] = m.x;
    agg.tx[i] = m.tx;
    agg.T[i] = m.T;
    agg.weight[i] = m.w;
    const g = agg.groups[agg.groups.length - 1];
    if (g && g.x === m.x) g.end = i + 1;
    else agg.groups.push({ x: m.x, start: i, end: i + 1 });
  });
  return agg;
}

const LOG_BOUND = 30;

/**
 * Total log-likelihood and its gradient with respect to (ln r, ln α, ln a, ln b).
 * ln L = ln A1 + ln A2 + ln(A3 + [x>0] A4), every term kept in log space (FHL 2005, eq. 6).
 */
export function bgnbdLogLikelihood(
  params: BgNbdParams,
  data: RfmAggregate,
): { value: number; gradient: number[] } {
  const { r, alpha, a, b } = params;
  const lnAlpha = Math.log(alpha);
  const lnA = Math.log(a);
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  for (const group of data.groups) {
    const x = group.x;
    // Terms that depend on x only: ln Γ(r+x)/Γ(r) + r ln α + ln B(a, b+x)/B(a, b).
    const lnA1 = lnPochhammer(r, x) + r * lnAlpha;
    const lnA2 = lnPochhammer(b, x) - lnPochhammer(a + b, x);
    const dA1dr = digammaDiff(r, x) + lnAlpha;
    const dA2da = -digammaDiff(a + b, x);
    const dA2db = digammaDiff(b, x) + dA2da;
    const rx = r + x;
    const lnRatio = x > 0 ? lnA - Math.log(b + x - 1) : 0;
    const invB = x > 0 ? 1 / (b + x - 1) : 0;
    let sw = 0;
    let sLl = 0;
    let sGr = 0;
    let sGalpha = 0;
    let sW4 = 0;
    for (let i = group.start; i < group.end; i++) {
      const w = data.weight[i]!;
      const lnAT = Math.log(alpha + data.T[i]!);
      const l3 = -rx * lnAT;
      let lse = l3;
      let dr = -lnAT;
      let dAlpha = -rx / (alpha + data.T[i]!);
      let w4 = 0;
      if (x > 0) {
        const lnAtx = Math.log(alpha + data.tx[i]!);
        const l4 = lnRatio - rx * lnAtx;
        lse = logAddExp(l3, l4);
        w4 = Math.exp(l4 - lse);
        const w3 = 1 - w4;
        dr = w3 * dr - w4 * lnAtx;
        dAlpha = w3 * dAlpha - (w4 * rx) / (alpha + data.tx[i]!);
      }
      sw += w;
      sLl += w * lse;
      sGr += w * dr;
      sGalpha += w * dAlpha;
      sW4 += w * w4;
    }
    ll += sw * (lnA1 + lnA2) + sLl;
    gr += sw * dA1dr + sGr;
    gAlpha += (sw * r) / alpha + sGalpha;
    ga += sw * dA2da + sW4 / a;
    gb += sw * dA2db - sW4 * invB;
  }
  return { value: ll, gradient: [gr * r, gAlpha * alpha, ga * a, gb * b] };
}

export interface FitOptions {
  /** Number of L-BFGS starts (the first is data-informed, the rest seeded random). */
  starts?: number;
  seed?: number;
  gradientTolerance?: number;
}

export interface FitDiagnostics {
  /** True when the best run met the gradient-norm test. */
  converged: boolean;
  gradientNorm: number;
  starts: number;
  /** Starts that reached the best optimum (several agreeing is evidence it is global). */
  agreeingStarts: number;
  iterations: number;
  evaluations: number;
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  customers: number;
  diagnostics: FitDiagnostics;
}

const toParams = (t: readonly number[]): BgNbdParams => ({
  r: Math.exp(t[0]!),
  alpha: Math.exp(t[1]!),
  a: Math.exp(t[2]!),
  b: Math.exp(t[3]!),
});

/** Deterministic starting points in log-parameter space: one informed by the mean purchase rate, the rest seeded. */
export function bgnbdStarts(data: RfmAggregate, count: number, seed: number): number[][] {
  let sx = 0;
  let sT = 0;
  for (let i = 0; i < data.weight.length; i++) {
    sx += data.weight[i]! * data.x[i]!;
    sT += data.weight[i]! * data.T[i]!;
  }
  const rate = Math.max(sx, 1) / Math.max(sT, 1e-9);
  const starts: number[][] = [[0, Math.log(1 / rate), 0, 0]];
  const rng = createRng(seed);
  for (let k = 1; k < count; k++) {
    const lnR = rng.uniform(Math.log(0.05), Math.log(5));
    starts.push([
      lnR,
      lnR - Math.log(rate) + rng.uniform(-1.5, 1.5),
      rng.uniform(Math.log(0.05), Math.log(5)),
      rng.uniform(Math.log(0.1), Math.log(20)),
    ]);
  }
  return starts;
}

/** Maximum-likelihood BG/NBD fit: L-BFGS in log-parameter space from several deterministic starts. */
export function fitBgNbd(rows: readonly Rfm[] | RfmAggregate, options: FitOptions = {}): BgNbdFit {
  const data = 'groups' in rows ? rows : aggregateRfm(rows);
  if (data.customers === 0) throw new RangeError('fitBgNbd: no customers');
  const n = data.customers;
  // Mean negative log-likelihood per customer keeps the gradient tolerance independent of data size.
  const objective = (t: readonly number[]) => {
    if (t.some((v) => !(Math.abs(v) <= LOG_BOUND)))
      return { value: Number.POSITIVE_INFINITY, gradient: [0, 0, 0, 0] };
    const { value, gradient } = bgnbdLogLikelihood(toParams(t), data);
    return { value: -value / n, gradient: gradient.map((g) => -g / n) };
  };
  const starts = bgnbdStarts(data, options.starts ?? 8, options.seed ?? 1);
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

/** P(alive | x, t_x, T) (FHL 2005, eq. 8 of the technical note): 1 for customers with no repeat purchase. */
export function probabilityAlive(params: BgNbdParams, row: Rfm): number {
  if (row.x === 0) return 1;
  const { r, alpha, a, b } = params;
  const lnOdds = Math.log(a / (b + row.x - 1)) + (r + row.x) * Math.log((alpha + row.T) / (alpha + row.tx));
  return 1 / (1 + Math.exp(lnOdds));
}

/** E[X(t)]: expected purchases in (0, t] by a customer who has just made a first purchase (eq. 7). */
export function expectedTransactionsNewCustomer(params: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = params;
  if (t <= 0) return 0;
  const lead = (a + b - 1) / (a - 1);
  return lead * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
}

/**
 * E[Y(t) | x, t_x, T] for several horizons at once (eq. 10). The 2F1 series coefficients depend on
 * the customer only, so one pass accumulates the series for every horizon.
 */
export function conditionalExpectedTransactionsMany(
  params: BgNbdParams,
  row: Rfm,
  horizons: readonly number[],
  out: Float64Array | number[] = new Float64Array(horizons.length),
): Float64Array | number[] {
  const { r, alpha, a, b } = params;
  const x = row.x;
  const rx = r + x;
  const aT = alpha + row.T;
  const lead = (a + b + x - 1) / (a - 1);
  // Denominator 1 + [x>0]·a/(b+x−1)·((α+T)/(α+t_x))^(r+x); computed as in P(alive).
  const denom = x > 0 ? 1 + Math.exp(Math.log(a / (b + x - 1)) + rx * Math.log(aT / (alpha + row.tx))) : 1;
  const pa = rx;
  const pb = b + x;
  const pc = a + b + x - 1;
  const k = horizons.length;
  const z = new Float64Array(k);
  const sums = new Float64Array(k).fill(1);
  const powers = new Float64Array(k).fill(1);
  let zMax = 0;
  for (let i = 0; i < k; i++) {
    const t = horizons[i]!;
    z[i] = t > 0 ? t / (aT + t) : 0;
    if (z[i]! > zMax) zMax = z[i]!;
  }
  let coef = 1;
  for (let n = 0; n < 1_000_000 && zMax > 0; n++) {
    const cr = ((pa + n) * (pb + n)) / ((pc + n) * (n + 1));
    coef *= cr;
    let done = true;
    for (let i = 0; i < k; i++) {
      const zi = z[i]!;
      if (zi === 0) continue;
      powers[i] = powers[i]! * zi;
      const term = coef * powers[i]!;
      sums[i] = sums[i]! + term;
      const ratio = cr * zi;
      const rho = Math.max(ratio, zi);
      if (!(ratio < 1 && term * (rho / (1 - rho)) <= 1e-16 * sums[i]!)) done = false;
    }
    if (done) break;
  }
  for (let i = 0; i < k; i++) {
    const t = horizons[i]!;
    out[i] = t > 0 ? (lead * (1 - Math.exp(rx * Math.log(aT / (aT + t))) * sums[i]!)) / denom : 0;
  }
  return out;
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t time units for an observed customer. */
export function conditionalExpectedTransactions(params: BgNbdParams, t: number, row: Rfm): number {
  return conditionalExpectedTransactionsMany(params, row, [t])[0]!;
}

/** Standard errors of (ln r, ln α, ln a, ln b) at `params` (inverse observed information). */
export function bgnbdLogParamStandardErrors(
  params: BgNbdParams,
  rows: readonly Rfm[] | RfmAggregate,
): number[] {
  const data = 'groups' in rows ? rows : aggregateRfm(rows);
  const at = [params.r, params.alpha, params.a, params.b].map(Math.log);
  return standardErrors((t) => bgnbdLogLikelihood(toParams(t), data).gradient, at);
}
