/**
 * Customer lifetime value = Σ over future months of (expected purchases that month × expected spend
 * per purchase), discounted monthly — the scheme of lifetimes' `customer_lifetime_value`:
 * CLV = Σ_{i=1..H} E[Z | m, x] · (E[Y(i·w) | x, t_x, T] − E[Y((i−1)·w) | x, t_x, T]) / (1 + d)^i,
 * with w the weeks per month, H the horizon in months and d the monthly discount rate.
 * Churn risk is 1 − P(alive).
 */
import { type BgNbdParams, conditionalExpectedTransactions, fitBgNbd, type Rfm } from './bgnbd.js';
import { fitGammaGamma, type GammaGammaParams } from './gammaGamma.js';
import { holdoutTransactions, summariseCalibration, type Transaction } from './transactions.js';

export interface ClvOptions {
  /** Horizon in months (default 12). */
  horizonMonths?: number;
  /** Monthly discount rate, e.g. 0.01 ≈ 12.7 % a year (default 0.01). */
  monthlyDiscountRate?: number;
  /** Weeks per month (default 365.25 / 12 / 7 ≈ 4.348). */
  weeksPerMonth?: number;
}

/** A customer as scored: calibration summary plus mean repeat spend. */
export interface ScoringInput extends Rfm {
  monetaryValue: number;
}

export interface CustomerScore {
  probabilityAlive: number;
  churnRisk: number;
  /** Expected purchases over the whole horizon. */
  expectedTransactions: number;
  expectedAverageSpend: number;
  /** Discounted expected spend over the horizon. */
  clv: number;
}

/** Scores one customer; `out` is reused when given so a hot loop allocates nothing. */
export type ClvScorer = (row: ScoringInput, out?: CustomerScore) => CustomerScore;

/**
 * Builds a scorer with every per-model constant computed once (horizons, discount factors, the
 * population mean spend); per customer it evaluates one 2F1 series shared by all horizons.
 */
export function createClvScorer(bg: BgNbdParams, gg: GammaGammaParams, options: ClvOptions = {}): ClvScorer {
  const months = options.horizonMonths ?? 12;
  const rate = options.monthlyDiscountRate ?? 0.01;
  const wpm = options.weeksPerMonth ?? 365.25 / 12 / 7;
  if (!(Number.isInteger(months) && months >= 1))
    throw new RangeError('horizonMonths must be a positive integer');
  if (!(rate > -1)) throw new RangeError('monthlyDiscountRate must be > -1');
  const { r, alpha, a, b } = bg;
  const { p, q, gamma } = gg;
  const horizons = new Float64Array(months);
  const discounts = new Float64Array(months);
  for (let i = 0; i < months; i++) {
    horizons[i] = (i + 1) * wpm;
    discounts[i] = 1 / (1 + rate) ** (i + 1);
  }
  const lnA = Math.log(a);
  const populationSpend = (p * gamma) / (q - 1);
  const z = new Float64Array(months);
  const sums = new Float64Array(months);
  const powers = new Float64Array(months);
  const lnPrefix = new Float64Array(months);

  return (row, out) => {
    const x = row.x;
    const rx = r + x;
    const aT = alpha + row.T;
    const lnAT = Math.log(aT);
    const lnOdds =
      x > 0 ? lnA - Math.log(b + x - 1) + rx * (lnAT - Math.log(alpha + row.tx)) : Number.NEGATIVE_INFINITY;
    const denom = 1 + Math.exp(lnOdds);
    const pAlive = 1 / denom;
    const lead = (a + b + x - 1) / (a - 1);
    for (let i = 0; i < months; i++) {
      const t = horizons[i]!;
      z[i] = t / (aT + t);
      sums[i] = 1;
      powers[i] = 1;
    }
    // One pass over the 2F1(r+x, b+x; a+b+x−1; z) series accumulates every horizon.
    const pb = b + x;
    const pc = a + b + x - 1;
    let coef = 1;
    for (let n = 0; n < 1_000_000; n++) {
      const cr = ((rx + n) * (pb + n)) / ((pc + n) * (n + 1));
      coef *= cr;
      let done = true;
      for (let i = 0; i < months; i++) {
        const zi = z[i]!;
        powers[i] = powers[i]! * zi;
        const term = coef * powers[i]!;
        sums[i] = sums[i]! + term;
        // Geometric tail bound once the term ratio is below 1 (it tends to z monotonically).
        const ratio = cr * zi;
        const rho = Math.max(ratio, zi);
        if (!(ratio < 1 && term * (rho / (1 - rho)) <= 1e-15 * sums[i]!)) done = false;
      }
      if (done) break;
    }
    for (let i = 0; i < months; i++) lnPrefix[i] = rx * (lnAT - Math.log(aT + horizons[i]!));
    const spend = x > 0 ? (p * (gamma + row.monetaryValue * x)) / (p * x + q - 1) : populationSpend;
    let previous = 0;
    let value = 0;
    let cumulative = 0;
    for (let i = 0; i < months; i++) {
      cumulative = (lead * (1 - Math.exp(lnPrefix[i]!) * sums[i]!)) / denom;
      value += (cumulative - previous) * discounts[i]!;
      previous = cumulative;
    }
    const result = out ?? {
      probabilityAlive: 0,
      churnRisk: 0,
      expectedTransactions: 0,
      expectedAverageSpend: 0,
      clv: 0,
    };
    result.probabilityAlive = pAlive;
    result.churnRisk = 1 - pAlive;
    result.expectedTransactions = cumulative;
    result.expectedAverageSpend = spend;
    result.clv = spend * value;
    return result;
  };
}

/** Everything `feltfit models fit clv` reports. */
export interface ClvFitReport {
  customers: number;
  bgnbd: BgNbdParams & { logLikelihood: number; converged: boolean; agreeingStarts: number; starts: number };
  gammaGamma: GammaGammaParams & { customers: number; logLikelihood: number; converged: boolean };
  holdout?: { weeks: number; actualRepeatTransactions: number; predictedRepeatTransactions: number };
}

/**
 * Fits BG/NBD and Gamma-Gamma on the calibration period and, when a holdout end is given, compares
 * the holdout's actual repeat transactions with Σ E[Y(t) | x, t_x, T] over the cohort.
 */
export function fitClvFromTransactions(
  transactions: readonly Transaction[],
  calibrationEndDay: number,
  holdoutEndDay?: number,
): ClvFitReport {
  const summaries = summariseCalibration(transactions, calibrationEndDay);
  if (summaries.length === 0)
    throw new RangeError('no customer made a first purchase on or before the calibration end');
  const bg = fitBgNbd(summaries);
  const gg = fitGammaGamma(summaries);
  const report: ClvFitReport = {
    customers: summaries.length,
    bgnbd: {
      ...bg.params,
      logLikelihood: bg.logLikelihood,
      converged: bg.diagnostics.converged,
      agreeingStarts: bg.diagnostics.agreeingStarts,
      starts: bg.diagnostics.starts,
    },
    gammaGamma: {
      ...gg.params,
      customers: gg.customers,
      logLikelihood: gg.logLikelihood,
      converged: gg.diagnostics.converged,
    },
  };
  if (holdoutEndDay !== undefined) {
    const weeks = (holdoutEndDay - calibrationEndDay) / 7;
    const actual = holdoutTransactions(transactions, calibrationEndDay, holdoutEndDay);
    let actualTotal = 0;
    for (const v of actual.values()) actualTotal += v;
    let predicted = 0;
    for (const s of summaries) predicted += conditionalExpectedTransactions(bg.params, weeks, s);
    report.holdout = { weeks, actualRepeatTransactions: actualTotal, predictedRepeatTransactions: predicted };
  }
  return report;
}
