/**
 * Synthetic customers drawn from known BG/NBD and Gamma-Gamma parameters, for parameter-recovery
 * tests and the benchmark. Seeded, so every run produces the same customers.
 */

import { createRng } from '../random.js';
import type { BgNbdParams } from './bgnbd.js';
import type { GammaGammaParams } from './gammaGamma.js';
import type { CustomerSummary } from './transactions.js';

export interface SyntheticClvOptions {
  customers: number;
  bgnbd: BgNbdParams;
  gammaGamma?: GammaGammaParams;
  /** Calibration length in weeks for the earliest customers (default 39). */
  calibrationWeeks?: number;
  /** First purchases spread uniformly over this many weeks at the start (default 12, i.e. one quarter). */
  acquisitionWeeks?: number;
  /**
   * When set, purchase times are floored to whole days and same-day purchases merged, as real data is
   * (slightly off-model, but lets identical (x, t_x, T) rows aggregate). Default: continuous time.
   */
  dailyResolution?: boolean;
  seed?: number;
}

/** A simulated customer with the latent values that generated it. */
export interface SyntheticCustomer extends CustomerSummary {
  lambda: number;
  dropoutProbability: number;
  alive: boolean;
}

/**
 * Simulates the BG/NBD story: λ ~ Gamma(r, α), p ~ Beta(a, b); purchases arrive as Poisson(λ) and after
 * each repeat purchase the customer drops out with probability p. Spend per transaction, when Gamma-Gamma
 * parameters are given: ν ~ Gamma(q, γ), z ~ Gamma(p, ν).
 */
export function generateClvCustomers(options: SyntheticClvOptions): SyntheticCustomer[] {
  const rng = createRng(options.seed ?? 7);
  const { r, alpha, a, b } = options.bgnbd;
  const horizon = options.calibrationWeeks ?? 39;
  const acquisition = options.acquisitionWeeks ?? 12;
  const out: SyntheticCustomer[] = [];
  for (let c = 0; c < options.customers; c++) {
    const start = options.dailyResolution
      ? rng.int(Math.round(acquisition * 7)) / 7
      : rng.uniform(0, acquisition);
    const T = horizon - start;
    const lambda = rng.gamma(r, alpha);
    const dropout = rng.beta(a, b);
    const times: number[] = [];
    let t = 0;
    let alive = true;
    for (;;) {
      t += rng.exponential(lambda);
      if (t > T) break;
      times.push(options.dailyResolution ? Math.floor(t * 7) / 7 : t);
      if (rng.bernoulli(dropout)) {
        alive = false;
        break;
      }
    }
    // Same-day purchases (and purchases on the first day) are one transaction in daily data.
    const days = options.dailyResolution ? [...new Set(times)].filter((d) => d > 0) : times;
    const x = days.length;
    let monetaryValue = 0;
    if (options.gammaGamma && x > 0) {
      const nu = rng.gamma(options.gammaGamma.q, options.gammaGamma.gamma);
      let sum = 0;
      for (let i = 0; i < x; i++) sum += rng.gamma(options.gammaGamma.p, nu);
      monetaryValue = sum / x;
    }
    out.push({
      customerId: String(c + 1),
      firstDay: Math.round(start * 7),
      x,
      tx: x > 0 ? days[x - 1]! : 0,
      T,
      monetaryValue,
      lambda,
      dropoutProbability: dropout,
      alive,
    });
  }
  return out;
}
