import { describe, expect, it } from 'vitest';
import { conditionalExpectedTransactions } from '../../../shared/domain/models/bgnbd.js';
import { createClvScorer } from '../../../shared/domain/models/clv.js';
import { expectedAverageSpend } from '../../../shared/domain/models/gammaGamma.js';

const BG = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const GG = { p: 6.25, q: 3.74, gamma: 15.44 };

describe('CLV scoring', () => {
  const customer = { x: 4, tx: 30, T: 39, monetaryValue: 35 };

  it('equals the month-by-month discounted sum of expected purchases times expected spend', () => {
    const weeksPerMonth = 365.25 / 12 / 7;
    const score = createClvScorer(BG, GG, { horizonMonths: 12, monthlyDiscountRate: 0.01 })(customer);
    let expected = 0;
    for (let i = 1; i <= 12; i++) {
      const delta =
        conditionalExpectedTransactions(BG, i * weeksPerMonth, customer) -
        conditionalExpectedTransactions(BG, (i - 1) * weeksPerMonth, customer);
      expected += (delta * expectedAverageSpend(GG, customer)) / 1.01 ** i;
    }
    expect(score.clv).toBeCloseTo(expected, 9);
    expect(score.expectedTransactions).toBeCloseTo(
      conditionalExpectedTransactions(BG, 12 * weeksPerMonth, customer),
      10,
    );
    expect(score.churnRisk).toBeCloseTo(1 - score.probabilityAlive, 15);
  });

  it('values a customer less the higher the discount rate and the shorter the horizon', () => {
    const base = createClvScorer(BG, GG)(customer).clv;
    expect(createClvScorer(BG, GG, { monthlyDiscountRate: 0.05 })(customer).clv).toBeLessThan(base);
    expect(createClvScorer(BG, GG, { horizonMonths: 6 })(customer).clv).toBeLessThan(base);
  });

  it('shrinks a one-purchase customer’s spend toward the population mean', () => {
    const spend = expectedAverageSpend(GG, { x: 1, monetaryValue: 500 });
    const populationMean = (GG.p * GG.gamma) / (GG.q - 1);
    expect(spend).toBeLessThan(500);
    expect(spend).toBeGreaterThan(populationMean);
  });

  it('scores a customer without repeat purchases with the population spend and P(alive) = 1', () => {
    const score = createClvScorer(BG, GG)({ x: 0, tx: 0, T: 20, monetaryValue: 0 });
    expect(score.probabilityAlive).toBe(1);
    expect(score.expectedAverageSpend).toBeCloseTo((GG.p * GG.gamma) / (GG.q - 1), 12);
    expect(score.clv).toBeGreaterThan(0);
  });
});
