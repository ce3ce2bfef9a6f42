import { describe, expect, it } from 'vitest';
import {
  aggregateRfm,
  bgnbdLogLikelihood,
  conditionalExpectedTransactions,
  expectedTransactionsNewCustomer,
} from '../../../shared/domain/models/bgnbd.js';
import { gammaGammaLogLikelihood } from '../../../shared/domain/models/gammaGamma.js';
import { lbfgs } from '../../../shared/domain/models/optimize.js';
import { digamma, hyp2f1, lnGamma, SeriesConvergenceError } from '../../../shared/domain/models/special.js';

describe('special functions', () => {
  it('computes ln Γ to near machine precision against exact factorials and Γ(½) = √π', () => {
    let lnFact = 0;
    for (let n = 1; n <= 60; n++) {
      expect(Math.abs(lnGamma(n) - lnFact)).toBeLessThan(1e-13 * Math.max(1, lnFact));
      lnFact += Math.log(n);
    }
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(lnGamma(1e-5)).toBeCloseTo(11.512919692895824, 10);
  });

  it('computes digamma against ψ(1) = −γ and the recurrence ψ(x+1) = ψ(x) + 1/x', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 14);
    for (const x of [0.01, 0.3, 2.5, 17, 1e4]) expect(digamma(x + 1) - digamma(x)).toBeCloseTo(1 / x, 10);
  });

  it('sums 2F1 to closed forms: 2F1(1,1;2;z) = −ln(1−z)/z and 2F1(a,b;b;z) = (1−z)^−a', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(1, 1, 2, z) / (-Math.log1p(-z) / z)).toBeCloseTo(1, 13);
      expect(hyp2f1(2.7, 1.3, 1.3, z) / (1 - z) ** -2.7).toBeCloseTo(1, 12);
    }
  });

  it('refuses to return a truncated 2F1 when the series has not converged', () => {
    expect(() => hyp2f1(1, 1, 2, 0.999999, 100)).toThrow(SeriesConvergenceError);
  });

  it('makes the conditional BG/NBD expectation of a new customer equal the unconditional one', () => {
    const params = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    // A customer just acquired (x = 0, T = 0) has the prior: E[Y(t) | 0, 0, 0] = E[X(t)].
    for (const t of [1, 39, 520]) {
      expect(conditionalExpectedTransactions(params, t, { x: 0, tx: 0, T: 0 })).toBeCloseTo(
        expectedTransactionsNewCustomer(params, t),
        10,
      );
    }
  });
});

describe('analytic gradients', () => {
  const central = (f: (t: number[]) => number, t: number[], i: number, h = 1e-6): number => {
    const up = [...t];
    const down = [...t];
    up[i]! += h;
    down[i]! -= h;
    return (f(up) - f(down)) / (2 * h);
  };

  it('matches finite differences of the BG/NBD log-likelihood in log-parameter space', () => {
    const data = aggregateRfm([
      { x: 0, tx: 0, T: 30 },
      { x: 1, tx: 3, T: 20 },
      { x: 4, tx: 18.5, T: 38 },
      { x: 30, tx: 36, T: 39 },
    ]);
    const f = (t: number[]) =>
      bgnbdLogLikelihood(
        { r: Math.exp(t[0]!), alpha: Math.exp(t[1]!), a: Math.exp(t[2]!), b: Math.exp(t[3]!) },
        data,
      );
    const at = [Math.log(0.4), Math.log(3), Math.log(0.9), Math.log(2.2)];
    const g = f(at).gradient;
    for (let i = 0; i < 4; i++)
      expect(g[i]!).toBeCloseTo(
        central((t) => f(t).value, at, i),
        5,
      );
  });

  it('matches finite differences of the Gamma-Gamma log-likelihood', () => {
    const rows = [
      { x: 1, monetaryValue: 12 },
      { x: 3, monetaryValue: 40.5 },
      { x: 7, monetaryValue: 25 },
    ];
    const f = (t: number[]) =>
      gammaGammaLogLikelihood({ p: Math.exp(t[0]!), q: Math.exp(t[1]!), gamma: Math.exp(t[2]!) }, rows);
    const at = [Math.log(5), Math.log(3), Math.log(14)];
    const g = f(at).gradient;
    for (let i = 0; i < 3; i++)
      expect(g[i]!).toBeCloseTo(
        central((t) => f(t).value, at, i),
        5,
      );
  });

  it('lets L-BFGS minimise the Rosenbrock function to a gradient norm below 1e-8', () => {
    const rosen = (v: readonly number[]) => {
      const [x, y] = v as [number, number];
      return {
        value: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
        gradient: [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
      };
    };
    const result = lbfgs(rosen, [-1.2, 1], { gradientTolerance: 1e-8 });
    expect(result.converged).toBe(true);
    expect(result.x[0]!).toBeCloseTo(1, 6);
    expect(result.x[1]!).toBeCloseTo(1, 6);
  });
});
