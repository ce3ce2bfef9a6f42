import { beforeAll, describe, expect, it } from 'vitest';
import { fitBgNbd, probabilityAlive } from '../../../shared/domain/models/bgnbd.js';
import { fitClvFromTransactions } from '../../../shared/domain/models/clv.js';
import { fitGammaGamma } from '../../../shared/domain/models/gammaGamma.js';
import {
  type CustomerSummary,
  parseIsoDay,
  parseTransactionsCsv,
  summariseCalibration,
  type Transaction,
} from '../../../shared/domain/models/transactions.js';
import { readCdnow, relativeError } from './fixtures.js';

// Published maximum-likelihood estimates (Fader, Hardie & Lee 2005; Fader & Hardie 2013).
const PUBLISHED_BGNBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, logLikelihood: -9582.4 };
const PUBLISHED_GG = { p: 6.25, q: 3.74, gamma: 15.44 };

describe('CLV models on the CDNOW sample', () => {
  let transactions: Transaction[];
  let summaries: CustomerSummary[];
  const calibrationEnd = parseIsoDay('1997-09-30')!;

  beforeAll(() => {
    transactions = parseTransactionsCsv(readCdnow());
    summaries = summariseCalibration(transactions, calibrationEnd);
  });

  it('summarises 2,357 customers of whom 946 made a repeat purchase in the 39-week calibration', () => {
    expect(summaries).toHaveLength(2357);
    expect(summaries.filter((s) => s.x > 0)).toHaveLength(946);
    // Customer 1 bought on 1997-01-01, 01-18 and 08-02: x = 2, t_x = 213/7, T = 272/7 weeks.
    const first = summaries.find((s) => s.customerId === '1')!;
    expect(first.x).toBe(2);
    expect(first.tx).toBeCloseTo(213 / 7, 10);
    expect(first.T).toBeCloseTo(272 / 7, 10);
  });

  it('reproduces the published BG/NBD estimates within 0.5% and the log-likelihood within 0.1', () => {
    const fit = fitBgNbd(summaries);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      expect(relativeError(fit.params[key], PUBLISHED_BGNBD[key])).toBeLessThan(0.005);
    }
    expect(Math.abs(fit.logLikelihood - PUBLISHED_BGNBD.logLikelihood)).toBeLessThan(0.1);
    expect(fit.diagnostics.converged).toBe(true);
    expect(fit.diagnostics.agreeingStarts).toBeGreaterThanOrEqual(fit.diagnostics.starts / 2);
  });

  it('reproduces the published Gamma-Gamma estimates within 0.5% on the 946 repeat customers', () => {
    const fit = fitGammaGamma(summaries);
    expect(fit.customers).toBe(946);
    for (const key of ['p', 'q', 'gamma'] as const) {
      expect(relativeError(fit.params[key], PUBLISHED_GG[key])).toBeLessThan(0.005);
    }
    expect(fit.diagnostics.converged).toBe(true);
  });

  it('forecasts the 39-week holdout total within 15% of the actual repeat transactions', () => {
    const report = fitClvFromTransactions(transactions, calibrationEnd, parseIsoDay('1998-06-30')!);
    const holdout = report.holdout!;
    expect(holdout.weeks).toBe(39);
    expect(holdout.actualRepeatTransactions).toBe(1882);
    expect(relativeError(holdout.predictedRepeatTransactions, holdout.actualRepeatTransactions)).toBeLessThan(
      0.15,
    );
  });

  it('gives a customer who stopped buying long ago a lower P(alive) than a recent buyer with the same x', () => {
    const params = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const stale = probabilityAlive(params, { x: 3, tx: 5, T: 39 });
    const recent = probabilityAlive(params, { x: 3, tx: 38, T: 39 });
    expect(stale).toBeLessThan(0.3);
    // BG/NBD lets a customer drop out right after any purchase, so even t_x = T caps at 1/(1 + a/(b+x−1)).
    expect(recent).toBeGreaterThan(0.8);
    expect(recent).toBeLessThan(1 / (1 + params.a / (params.b + 2)) + 1e-12);
  });
});
