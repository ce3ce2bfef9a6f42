import { describe, expect, it } from 'vitest';
import {
  aggregateRfm,
  type BgNbdParams,
  bgnbdLogLikelihood,
  bgnbdLogParamStandardErrors,
  fitBgNbd,
} from '../../../shared/domain/models/bgnbd.js';
import { fitGammaGamma, gammaGammaLogParamStandardErrors } from '../../../shared/domain/models/gammaGamma.js';
import { nelderMead } from '../../../shared/domain/models/optimize.js';
import { generateClvCustomers } from '../../../shared/domain/models/synthetic.js';

const KEYS = ['r', 'alpha', 'a', 'b'] as const;

/** Largest |ln θ̂ − ln θ| in units of its standard error. */
function worstZ(fitted: number[], truth: number[], se: number[]): number {
  return Math.max(...fitted.map((v, i) => Math.abs(Math.log(v) - Math.log(truth[i]!)) / se[i]!));
}

describe('BG/NBD parameter recovery on synthetic customers', () => {
  const cases: { name: string; truth: BgNbdParams }[] = [
    { name: 'CDNOW-like heterogeneity', truth: { r: 0.25, alpha: 4, a: 0.8, b: 2.5 } },
    { name: 'frequent buyers with low dropout', truth: { r: 2, alpha: 20, a: 0.3, b: 6 } },
  ];
  for (const { name, truth } of cases) {
    it(`recovers ${name} within 3.5 standard errors from 5,000 customers`, () => {
      const customers = generateClvCustomers({ customers: 5000, bgnbd: truth, seed: 11 });
      const fit = fitBgNbd(customers);
      expect(fit.diagnostics.converged).toBe(true);
      const se = bgnbdLogParamStandardErrors(fit.params, customers);
      expect(
        worstZ(
          KEYS.map((k) => fit.params[k]),
          KEYS.map((k) => truth[k]),
          se,
        ),
      ).toBeLessThan(3.5);
    });
  }

  it('recovers Gamma-Gamma spend parameters within 3.5 standard errors', () => {
    const truth = { p: 6, q: 4, gamma: 15 };
    const customers = generateClvCustomers({
      customers: 5000,
      bgnbd: { r: 2, alpha: 20, a: 0.3, b: 6 },
      gammaGamma: truth,
      seed: 5,
    });
    const fit = fitGammaGamma(customers);
    expect(fit.diagnostics.converged).toBe(true);
    const se = gammaGammaLogParamStandardErrors(fit.params, customers);
    const keys = ['p', 'q', 'gamma'] as const;
    expect(
      worstZ(
        keys.map((k) => fit.params[k]),
        keys.map((k) => truth[k]),
        se,
      ),
    ).toBeLessThan(3.5);
  });
});

describe('robustness against a naive single-start simplex', () => {
  // Single-start Nelder-Mead in log-parameter space from θ = 0 (all parameters 1), scipy's initial
  // simplex and tolerances: the textbook way to "just fit it" without gradients or restarts.
  const naive = (data: ReturnType<typeof aggregateRfm>) =>
    nelderMead(
      (t) =>
        -bgnbdLogLikelihood(
          { r: Math.exp(t[0]!), alpha: Math.exp(t[1]!), a: Math.exp(t[2]!), b: Math.exp(t[3]!) },
          data,
        ).value,
      [0, 0, 0, 0],
    );

  const cases: { name: string; truth: BgNbdParams }[] = [
    { name: 'strong dropout heterogeneity (a = 4, b = 20)', truth: { r: 0.7, alpha: 2, a: 4, b: 20 } },
    { name: 'slow buyers with U-shaped dropout (a = b = 0.5)', truth: { r: 3, alpha: 100, a: 0.5, b: 0.5 } },
  ];
  for (const { name, truth } of cases) {
    it(`finds the maximum the naive simplex misses for ${name}`, () => {
      const data = aggregateRfm(generateClvCustomers({ customers: 5000, bgnbd: truth, seed: 11 }));
      const fit = fitBgNbd(data);
      const simplex = naive(data);
      // The simplex stops well short of the optimum (by tens of log-likelihood units) …
      expect(fit.logLikelihood - -simplex.value).toBeGreaterThan(10);
      // … while the multi-start L-BFGS lands on it, every start agreeing, near the truth.
      expect(fit.diagnostics.converged).toBe(true);
      expect(fit.diagnostics.agreeingStarts).toBe(fit.diagnostics.starts);
      const se = bgnbdLogParamStandardErrors(fit.params, data);
      expect(
        worstZ(
          KEYS.map((k) => fit.params[k]),
          KEYS.map((k) => truth[k]),
          se,
        ),
      ).toBeLessThan(3.5);
    });
  }

  it('reaches the same optimum whatever the seed of its random starts', () => {
    const data = aggregateRfm(
      generateClvCustomers({ customers: 3000, bgnbd: { r: 0.25, alpha: 4, a: 0.8, b: 2.5 }, seed: 2 }),
    );
    const reference = fitBgNbd(data);
    for (const seed of [3, 4, 5]) {
      const fit = fitBgNbd(data, { seed, starts: 4 });
      expect(Math.abs(fit.logLikelihood - reference.logLikelihood)).toBeLessThan(1e-6);
    }
  });
});
