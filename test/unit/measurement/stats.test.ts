/**
 * Reference values below come from scipy 1.17.1 / statsmodels 0.15.0 (python3, run by hand while
 * writing these tests — the snippets are pasted next to the figures), from published tables, or
 * from hand computation shown in the comments. None comes from running the code under test.
 */
import { describe, expect, it } from 'vitest';
import {
  betaCdf,
  chiSquareSf,
  normalCdf,
  normalQuantile,
  normalSf,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
  studentTCdf,
  studentTQuantile,
} from '../../../shared/domain/measurement/distributions.js';
import {
  alwaysValidInterval,
  alwaysValidPValue,
  compareArms,
  newcombeDifference,
  probabilityToBeat,
  probabilityToBeatByQuadrature,
  probabilityToBeatExact,
  recommend,
  relativeLift,
  revenueInterval,
  sampleRatioMismatch,
  sequentialLook,
  twoProportionZTest,
  wilsonInterval,
} from '../../../shared/domain/measurement/stats.js';
import { createRng, type Rng } from '../../../shared/domain/random.js';

/** |actual − expected| ≤ tol·|expected| (relative), for values spanning many orders of magnitude. */
function expectRelative(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.abs(expected));
}

/** |actual − expected| ≤ tol. */
function expectNear(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
}

const counts = (conversions: number, exposures: number) => ({ conversions, exposures });

describe('distributions', () => {
  it('normal CDF and upper tail match scipy.stats.norm in both tails', () => {
    // python3 -c "from scipy.stats import norm; print([(z, norm.cdf(z), norm.sf(z)) for z in Z])"
    const table: [number, number][] = [
      [-20, 2.7536241186061556e-89],
      [-8.5, 9.47953482220325e-18],
      [-5, 2.866515718791933e-7],
      [-3, 0.0013498980316300933],
      [-1.959963984540054, 0.025],
      [-1, 0.15865525393145707],
      [-0.001, 0.49960105778608893],
      [0, 0.5],
      [0.5, 0.6914624612740131],
      [1.5, 0.9331927987311419],
      [2.5, 0.9937903346742238],
    ];
    for (const [z, cdf] of table) expectRelative(normalCdf(z), cdf, 1e-12);
    expectRelative(normalSf(8.5), 9.47953482220325e-18, 1e-12);
    expectRelative(normalSf(5), 2.866515718791933e-7, 1e-12);
    expectRelative(normalSf(1.5), 0.06680720126885807, 1e-12);
  });

  it('normal quantile is within 1e-12 of scipy.stats.norm.ppf (brief: < 1e-9)', () => {
    // python3 -c "from scipy.stats import norm; print([(p, norm.ppf(p)) for p in P])"
    const table: [number, number][] = [
      [1e-300, -37.0470962993612],
      [1e-20, -9.262340089798409],
      [1e-10, -6.361340902404056],
      [1e-6, -4.753424308822899],
      [0.001, -3.090232306167813],
      [0.02425, -1.972961051311885], // Acklam's region boundary
      [0.025, -1.9599639845400545],
      [0.1, -1.2815515655446004],
      [0.3, -0.5244005127080409],
      [0.5, 0],
      [0.6, 0.2533471031357997],
      [0.9, 1.2815515655446004],
      [0.975, 1.959963984540054],
      [0.97575, 1.972961051311885],
      [0.999, 3.090232306167813],
      [1 - 1e-10, 6.361340889697422],
    ];
    for (const [p, z] of table) expectNear(normalQuantile(p), z, 1e-12 * Math.max(1, Math.abs(z)));
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
  });

  it('regularized incomplete gamma matches scipy.special.gammainc / gammaincc', () => {
    // python3 -c "from scipy.special import gammainc, gammaincc; print(gammainc(a, x), gammaincc(a, x))"
    const table: [number, number, number, number][] = [
      [0.5, 0.1, 0.34527915398142317, 0.6547208460185768],
      [0.5, 2, 0.9544997361036415, 0.04550026389635857],
      [3, 2.5, 0.45618688411667035, 0.5438131158833297],
      [10, 12, 0.7576078383294875, 0.24239216167051245],
      [100, 90, 0.15822098918643007, 0.84177901081357],
      [2.5, 0.001, 9.50853459860793e-9, 0.9999999904914654],
      [50, 80, 0.9998692160234086, 0.0001307839765914092],
    ];
    for (const [a, x, p, q] of table) {
      expectRelative(regularizedGammaP(a, x), p, 1e-12);
      expectRelative(regularizedGammaQ(a, x), q, 1e-12);
    }
  });

  it('chi-square survival function matches scipy.stats.chi2.sf', () => {
    // python3 -c "from scipy.stats import chi2; print(chi2.sf(x, df))"
    const table: [number, number, number][] = [
      [3.841458820694124, 1, 0.04999999999999989],
      [22.84263959390863, 1, 1.758213586906355e-6],
      [0.47, 3, 0.9254310803174679],
      [10, 5, 0.07523524614651217],
      [100, 50, 3.454931382984871e-5],
      [0.001, 1, 0.9747728793699604],
      [50, 2, 1.3887943864964e-11], // = e^−25 exactly for df = 2
      [200, 3, 4.218541107192018e-43],
      [30, 30, 0.4656537089440098],
      [1000, 900, 0.010994608942135844],
    ];
    for (const [x, df, sf] of table) expectRelative(chiSquareSf(x, df), sf, 1e-10);
    expect(chiSquareSf(0, 3)).toBe(1);
  });

  it('beta CDF (regularized incomplete beta) matches scipy.stats.beta.cdf', () => {
    // python3 -c "from scipy.stats import beta; print(beta.cdf(x, a, b))"
    const table: [number, number, number, number][] = [
      [0.3, 2, 5, 0.5798250000000003], // = 1 − 0.7⁶ − 6·0.3·0.7⁵ by hand: 0.579825
      [0.5, 0.5, 0.5, 0.5],
      [0.01, 1, 100, 0.6339676587267705], // = 1 − 0.99¹⁰⁰
      [0.9, 20, 3, 0.6200409384119034],
      [0.05, 61, 1141, 0.46836463380404264],
      [0.999, 2, 2, 0.999997002],
      [0.2, 0.7, 3.3, 0.6587118421951459],
      [0.6, 300, 200, 0.49757138368006865],
    ];
    // Large shapes lose ~1e-12 to lnGamma cancellation (|lnΓ(1200)| ≈ 7300 × 2e-16).
    for (const [x, a, b, cdf] of table) expectRelative(betaCdf(x, a, b), cdf, 1e-10);
    expect(betaCdf(0, 2, 3)).toBe(0);
    expect(betaCdf(1, 2, 3)).toBe(1);
    expect(() => regularizedBeta(0.5, 0, 1)).toThrow(RangeError);
  });

  it('Student t CDF and quantile match scipy.stats.t (including fractional df)', () => {
    // python3 -c "from scipy.stats import t; print(t.cdf(x, df), t.ppf(p, df))"
    const cdfs: [number, number, number][] = [
      [2.0, 5, 0.9490302605850708],
      [-1.5, 12.3, 0.07941942338275546],
      [3.0, 1, 0.8975836176504333], // Cauchy: 1/2 + atan(3)/π
      [0.5, 100, 0.6909132170845567],
    ];
    for (const [x, df, p] of cdfs) expectRelative(studentTCdf(x, df), p, 1e-12);
    const quantiles: [number, number, number][] = [
      [0.975, 1, 12.706204736174694],
      [0.975, 2, 4.302652729749462],
      [0.975, 5, 2.5705818356363146],
      [0.975, 10, 2.228138851986274],
      [0.975, 30.5, 2.04086944518632],
      [0.975, 1000, 1.9623390808264083],
      [0.995, 3, 5.840909309733355],
      [0.9, 7.7, 1.4017109346113592],
    ];
    for (const [p, df, q] of quantiles) expectRelative(studentTQuantile(p, df), q, 1e-11);
    expectRelative(studentTQuantile(0.025, 10), -2.228138851986274, 1e-11);
  });
});

describe('Wilson interval', () => {
  it('matches statsmodels proportion_confint(method="wilson")', () => {
    // python3 -c "from statsmodels.stats.proportion import proportion_confint as c;
    //             print(c(x, n, alpha=0.05, method='wilson'), c(x, n, alpha=0.10, method='wilson'))"
    const table: [number, number, [number, number], [number, number]][] = [
      [81, 263, [0.2552885198782742, 0.36620957698280004], [0.2633136171884814, 0.35656634960848815]],
      [0, 10, [0, 0.27753279986288926], [0, 0.2129419700834071]],
      [10, 10, [0.7224672001371106, 1], [0.7870580299165928, 1]],
      [15, 148, [0.06238639953073628, 0.16048724172330803], [0.06744326224687144, 0.14957293174640032]],
      [1, 29, [0.006113214292762667, 0.17175521879320294], [0.007730807972737994, 0.14068309513251215]],
    ];
    for (const [x, n, ci95, ci90] of table) {
      const a = wilsonInterval(x, n);
      expect(a.estimate).toBe(x / n);
      expectNear(a.lower, ci95[0], 1e-12);
      expectNear(a.upper, ci95[1], 1e-12);
      const b = wilsonInterval(x, n, 0.9);
      expectNear(b.lower, ci90[0], 1e-12);
      expectNear(b.upper, ci90[1], 1e-12);
    }
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(5, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(0, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 10, 1)).toThrow(RangeError);
  });
});

describe('Newcombe hybrid score interval (method 10)', () => {
  it('reproduces Newcombe (1998) Table II examples (a) and (b) to the published 4 decimals', () => {
    // Newcombe, Stat Med 17:873–890, Table II, method 10 (as quoted in the brief, and agreeing with
    // statsmodels below): 56/70 − 48/80 → 0.0524 to 0.3339; 9/10 − 3/10 → 0.1705 to 0.8090.
    const a = newcombeDifference(counts(56, 70), counts(48, 80));
    expectNear(a.estimate, 0.2, 1e-15);
    expect(a.lower.toFixed(4)).toBe('0.0524');
    expect(a.upper.toFixed(4)).toBe('0.3339');
    const b = newcombeDifference(counts(9, 10), counts(3, 10));
    expectNear(b.estimate, 0.6, 1e-15);
    expect(b.lower.toFixed(4)).toBe('0.1705');
    expect(b.upper.toFixed(4)).toBe('0.8090');
  });

  it('matches statsmodels confint_proportions_2indep(method="newcomb") on all eight Table II inputs', () => {
    // python3 -c "from statsmodels.stats.proportion import confint_proportions_2indep as c;
    //             print(c(x1, n1, x0, n0, method='newcomb', compare='diff'))"
    const table: [number, number, number, number, number, number][] = [
      [56, 70, 48, 80, 0.05243147240236498, 0.33387265403690614],
      [9, 10, 3, 10, 0.1705227239345029, 0.809017973535488],
      [6, 7, 2, 7, 0.05822792748231209, 0.8062496375242278],
      [5, 56, 0, 29, -0.038137147903536936, 0.19256001385511165],
      [0, 10, 0, 20, -0.1611251580528194, 0.27753279986288926],
      [0, 10, 0, 10, -0.27753279986288926, 0.27753279986288926],
      [10, 10, 0, 20, 0.6790860371419145, 1],
      [10, 10, 0, 10, 0.6075093504305241, 1],
    ];
    for (const [x1, n1, x0, n0, lo, hi] of table) {
      const ci = newcombeDifference(counts(x1, n1), counts(x0, n0));
      expectNear(ci.lower, lo, 1e-12);
      expectNear(ci.upper, hi, 1e-12);
    }
  });
});

describe('two-proportion z-test (pooled)', () => {
  it('matches statsmodels proportions_ztest', () => {
    // python3 -c "from statsmodels.stats.proportion import proportions_ztest as t; print(t([x1, x0], [n1, n0]))"
    // By hand for the first: pooled p = 104/150; SE = √(p(1−p)(1/70 + 1/80)) = 0.075466…;
    // z = (0.8 − 0.6)/SE = 2.6502.
    const table: [number, number, number, number, number, number][] = [
      [56, 70, 48, 80, 2.6501719512585336, 0.00804508136819656],
      [120, 1000, 100, 1000, 1.4293008498232314, 0.1529177818639462],
      [530, 10000, 480, 10000, 1.6145884183488097, 0.10639985517542977],
    ];
    for (const [x1, n1, x0, n0, z, p] of table) {
      const test = twoProportionZTest(counts(x1, n1), counts(x0, n0));
      expectRelative(test.z, z, 1e-12);
      expectRelative(test.pValue, p, 1e-11);
    }
    const flipped = twoProportionZTest(counts(48, 80), counts(56, 70));
    expectRelative(flipped.z, -2.6501719512585336, 1e-12);
  });

  it('reports no evidence when both arms are all-zero (statsmodels returns nan)', () => {
    expect(twoProportionZTest(counts(0, 10), counts(0, 10))).toEqual({ z: 0, pValue: 1 });
  });
});

describe('relative lift (Katz log interval)', () => {
  it('matches statsmodels confint_proportions_2indep(method="log", compare="ratio") minus 1', () => {
    // python3 -c "…c(x1, n1, x0, n0, method='log', compare='ratio')" and by hand:
    // rr·exp(±1.959964·√(1/x1 − 1/n1 + 1/x0 − 1/n0)) − 1 — both agree to 1e-15.
    const table: [number, number, number, number, number, number, number][] = [
      [56, 70, 48, 80, 1 / 3, 0.07662642276319276, 0.6512485112663873],
      [120, 1000, 100, 1000, 0.2, -0.06589424893700624, 0.5415813448973079],
      [530, 10000, 480, 10000, 0.10416666666666652, -0.021029267330993973, 0.24537331617041147],
      [9, 10, 3, 10, 2, 0.13835035744766988, 6.906177514784793],
    ];
    for (const [x1, n1, x0, n0, lift, lo, hi] of table) {
      const r = relativeLift(counts(x1, n1), counts(x0, n0))!;
      expectNear(r.estimate, lift, 1e-12);
      expectNear(r.interval!.lower, lo, 1e-12);
      expectNear(r.interval!.upper, hi, 1e-11);
    }
  });

  it('is undefined when the control has no conversions, interval-less when the treatment has none', () => {
    expect(relativeLift(counts(3, 100), counts(0, 100))).toBeUndefined();
    expect(relativeLift(counts(0, 100), counts(4, 100))).toEqual({ estimate: -1, interval: undefined });
  });
});

describe('probability to beat control', () => {
  // Reference: numerical integration in scipy, independent of our closed form —
  //   from scipy import stats, integrate
  //   P(T > C) = Σ over pieces [mean_T ± k·sd_T, k ∈ {±12, ±6, ±3, 0}] of
  //     integrate.quad(lambda x: stats.beta.pdf(x, aT, bT) * stats.beta.cdf(x, aC, bC), lo, hi,
  //                    epsabs=1e-15, epsrel=1e-13, limit=500)
  const reference: [number, number, number, number, number][] = [
    [61, 941, 51, 951, 0.8356112648754599],
    [121, 881, 61, 941, 0.9999987910617641],
    [4, 8, 2, 10, 0.8446115288220548],
    [30001, 470001, 29501, 470501, 0.9827268872727813],
    [11, 91, 1.5, 99.5, 0.9988727418822168],
    [2.5, 18.5, 0.5, 20.5, 0.9297510830628769],
  ];

  it('closed form agrees with scipy quadrature for integer posteriors', () => {
    for (const [aT, bT, aC, bC, p] of reference) {
      const exact = probabilityToBeatExact({ alpha: aT, beta: bT }, { alpha: aC, beta: bC });
      if (Number.isInteger(aT) || Number.isInteger(aC) || Number.isInteger(bT) || Number.isInteger(bC)) {
        expectNear(exact!, p, 1e-10);
      } else {
        expect(exact).toBeUndefined();
      }
    }
  });

  it('quadrature fallback agrees with scipy, including fractional (Jeffreys-type) parameters', () => {
    for (const [aT, bT, aC, bC, p] of reference) {
      // Half a million exposures: the beta CDF itself is good to ~1e-9 there (lnGamma cancellation).
      const tol = aT > 10_000 ? 1e-8 : 1e-11;
      expectNear(probabilityToBeatByQuadrature({ alpha: aT, beta: bT }, { alpha: aC, beta: bC }), p, tol);
    }
  });

  it('gives exact rationals derivable by hand', () => {
    // T ~ Beta(1, 11), C ~ Beta(2, 10): P(T > C) = E[(1 − C)^11] = B(2, 21)/B(2, 10)
    //   = (1/(21·22)) / (1/(10·11)) = 110/462 = 5/21.
    expectNear(probabilityToBeat(counts(0, 10), counts(1, 10)), 5 / 21, 1e-14);
    // Identical data: 1/2 by symmetry; empty arms under a uniform prior: 1/2 as well.
    expectNear(probabilityToBeat(counts(50, 1000), counts(50, 1000)), 0.5, 1e-11);
    expectNear(probabilityToBeat(counts(0, 0), counts(0, 0)), 0.5, 1e-14);
    // Non-integer prior (Jeffreys), identical data: 1/2, through the quadrature path.
    expectNear(probabilityToBeat(counts(0, 10), counts(0, 10), { a: 0.5, b: 0.5 }), 0.5, 1e-12);
  });

  /** Beta(a, b) as G₁/(G₁ + G₂) with Gamma draws by Marsaglia & Tsang (ACM TOMS 26:363, 2000). */
  function sampleGamma(shape: number, rng: Rng): number {
    if (shape < 1) return sampleGamma(shape + 1, rng) * (1 - rng.next()) ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = rng.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - rng.next();
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }
  const sampleBeta = (a: number, b: number, rng: Rng): number => {
    const g = sampleGamma(a, rng);
    return g / (g + sampleGamma(b, rng));
  };

  it('agrees with a seeded 200,000-draw Monte-Carlo estimate within 3 standard errors', () => {
    const draws = 200_000;
    const cases: { t: [number, number]; c: [number, number]; prior?: { a: number; b: number } }[] = [
      { t: [60, 1000], c: [50, 1000] }, // moderate: ≈ 0.84
      { t: [50, 1000], c: [50, 1000] }, // tie: 0.5
      { t: [120, 1000], c: [60, 1000] }, // lopsided: ≈ 1 − 1.2e-6
      { t: [3, 10], c: [1, 10] }, // small counts
      { t: [2, 20], c: [0, 20], prior: { a: 0.5, b: 0.5 } }, // quadrature path
    ];
    const rng = createRng(20240801);
    for (const { t, c, prior } of cases) {
      const p = probabilityToBeat(counts(t[0], t[1]), counts(c[0], c[1]), prior);
      const a = prior?.a ?? 1;
      const b = prior?.b ?? 1;
      let wins = 0;
      for (let i = 0; i < draws; i++) {
        const xt = sampleBeta(a + t[0], b + t[1] - t[0], rng);
        const xc = sampleBeta(a + c[0], b + c[1] - c[0], rng);
        if (xt > xc) wins++;
      }
      const estimate = wins / draws;
      // Binomial standard error at the exact p; floored at one draw so a ~1e-6 tail is not judged
      // on a standard error smaller than the resolution of the estimate.
      const se = Math.max(Math.sqrt((p * (1 - p)) / draws), 1 / draws);
      expect(Math.abs(estimate - p)).toBeLessThanOrEqual(3 * se);
    }
  });

  it('rejects an invalid prior', () => {
    expect(() => probabilityToBeat(counts(1, 2), counts(1, 2), { a: 0, b: 1 })).toThrow(RangeError);
  });
});

describe('sample ratio mismatch', () => {
  it('flags 50,000 vs 48,500 on a 50/50 split', () => {
    // By hand: expected 49,250 each; χ² = 2 · 750² / 49,250 = 1,125,000 / 49,250 = 22.842639593908629…
    // scipy.stats.chisquare([50000, 48500]) → statistic 22.84263959390863, p 1.758213586906355e-06.
    const srm = sampleRatioMismatch([50_000, 48_500], [0.5, 0.5]);
    expectRelative(srm.statistic, 1_125_000 / 49_250, 1e-14);
    expect(srm.df).toBe(1);
    expectRelative(srm.pValue, 1.758213586906355e-6, 1e-10);
    expect(srm.mismatch).toBe(true);
    expect(srm.threshold).toBe(0.001);
  });

  it("reproduces Mendel's 9:3:3:1 pea counts (textbook goodness-of-fit example)", () => {
    // 315 round-yellow, 108 round-green, 101 wrinkled-yellow, 32 wrinkled-green (n = 556).
    // scipy.stats.chisquare([315, 108, 101, 32], f_exp=[556*9/16, 556*3/16, 556*3/16, 556/16])
    //   → statistic 0.4700239808153477, p 0.925425895103616 (textbooks: χ² = 0.470, p ≈ 0.925).
    const srm = sampleRatioMismatch([315, 108, 101, 32], [9, 3, 3, 1]);
    expectRelative(srm.statistic, 0.4700239808153477, 1e-12);
    expect(srm.df).toBe(3);
    expectRelative(srm.pValue, 0.925425895103616, 1e-11);
    expect(srm.mismatch).toBe(false);
  });

  it('handles unequal allocations and a configurable threshold', () => {
    // scipy.stats.chisquare([5000, 3100, 1900], f_exp=[5000, 3000, 2000]) → 8.333333333333334, 0.015503853599009307
    // (by hand: 0 + 100²/3000 + 100²/2000 = 3.3333 + 5 = 8.3333; df = 2 → p = e^(−χ²/2) = e^(−4.1667)).
    const srm = sampleRatioMismatch([5000, 3100, 1900], [0.5, 0.3, 0.2]);
    expectRelative(srm.statistic, 25 / 3, 1e-14);
    expectRelative(srm.pValue, Math.exp(-25 / 6), 1e-12);
    expect(srm.mismatch).toBe(false);
    expect(sampleRatioMismatch([5000, 3100, 1900], [0.5, 0.3, 0.2], 0.05).mismatch).toBe(true);
    expect(sampleRatioMismatch([0, 0], [1, 1])).toMatchObject({ statistic: 0, pValue: 1, mismatch: false });
    expect(() => sampleRatioMismatch([1, 2], [1])).toThrow(RangeError);
  });
});

describe('always-valid inference (mSPRT)', () => {
  // Reference: the mixture likelihood ratio by numerical integration in scipy, not the closed form:
  //   Λ(θ0) = quad(lambda d: norm.pdf(est, θ0 + d, √V) * norm.pdf(d, 0, τ), −12τ, 12τ) / norm.pdf(est, θ0, √V)
  //   p = 1/Λ(0); confidence-sequence ends = brentq(log Λ(θ0) − log 20) on either side of est.
  // Look: 130/1000 vs 100/1000 → est = 0.03, V = 0.13·0.87/1000 + 0.1·0.9/1000 = 2.031e-4.
  const t = counts(130, 1000);
  const c = counts(100, 1000);

  it('p-value and confidence sequence match the numerically integrated mixture', () => {
    expectRelative(alwaysValidPValue(t, c), 0.5881244961244219, 1e-9);
    const ci = alwaysValidInterval(t, c);
    expectNear(ci.lower, -0.032727863981447766, 1e-10);
    expectNear(ci.upper, 0.09272786398144775, 1e-10);
    // τ² = 4e-4: p 0.3964045026208066, interval −0.016562000466924156 … 0.07656200046692416.
    expectRelative(alwaysValidPValue(t, c, { tauSquared: 4e-4 }), 0.3964045026208066, 1e-9);
    const wide = alwaysValidInterval(t, c, { tauSquared: 4e-4 });
    expectNear(wide.lower, -0.016562000466924156, 1e-10);
    expectNear(wide.upper, 0.07656200046692416, 1e-10);
  });

  it('keeps the running minimum p-value and the running intersection of intervals', () => {
    expect(alwaysValidPValue(t, c, {}, 0.2)).toBe(0.2);
    expectRelative(alwaysValidPValue(t, c, {}, 0.9), 0.5881244961244219, 1e-9);
    const narrowed = alwaysValidInterval(t, c, {}, { lower: -0.01, upper: 0.2 });
    expect(narrowed.lower).toBe(-0.01);
    expectNear(narrowed.upper, 0.09272786398144775, 1e-10);
    // An empty intersection (only possible through the plug-in variance) falls back to this look.
    const disjoint = alwaysValidInterval(t, c, {}, { lower: 0.5, upper: 0.6 });
    expectNear(disjoint.lower, -0.032727863981447766, 1e-10);
  });

  it('carries state across looks with sequentialLook', () => {
    // First look 70/500 vs 50/500: scipy integration gives p = 0.7722567864084363 and the sequence
    // −0.07660919617053902 … 0.1566091961705391; the second look (above) lies inside it.
    const first = sequentialLook(counts(70, 500), counts(50, 500));
    expectRelative(first.pValue, 0.7722567864084363, 1e-9);
    expectNear(first.interval.lower, -0.07660919617053902, 1e-10);
    expectNear(first.interval.upper, 0.1566091961705391, 1e-10);
    const second = sequentialLook(t, c, {}, first);
    expectRelative(second.pValue, 0.5881244961244219, 1e-9);
    expectNear(second.interval.lower, -0.032727863981447766, 1e-10);
    expectNear(second.estimate, 0.03, 1e-15);
    expectNear(second.variance, 2.031e-4, 1e-18);
  });

  it('treats a look with zero plug-in variance as carrying no evidence', () => {
    expect(alwaysValidPValue(counts(0, 50), counts(0, 50), {}, 0.4)).toBe(0.4);
    expect(alwaysValidInterval(counts(0, 50), counts(0, 50))).toEqual({ lower: -1, upper: 1 });
  });

  it('rejects invalid settings', () => {
    expect(() => alwaysValidPValue(t, c, { tauSquared: 0 })).toThrow(RangeError);
    expect(() => alwaysValidInterval(t, c, { alpha: 1 })).toThrow(RangeError);
  });
});

describe('revenue per recipient (Welch)', () => {
  // python3:
  //   a = [0,0,0,24.5,0,0,61.0,0,0,0,18.25,0,0,0,0,99.9,0,0,12.0,0,0,0,35.5,0]
  //   b = [0,0,0,0,15.0,0,0,0,0,22.75,0,0,0,0,0,0,40.0,0,0,0,0,0,0,0,0,9.5,0,0]
  //   r = scipy.stats.ttest_ind(a, b, equal_var=False); r.confidence_interval(0.95)
  //   → diff 7.348511904761905, p 0.1693286717076261, df 28.39576005418745,
  //     CI −3.3186559817480816 … 18.015679791271893; CI(0.90) −1.5115394252094578 … 16.208563234733262
  //   normal: se = 5.210812710779816, diff ± 1.959964·se = −2.864493338550064 … 17.561517148073875,
  //           p = 2·norm.sf(diff/se) = 0.15846795675965408
  const a = [0, 0, 0, 24.5, 0, 0, 61.0, 0, 0, 0, 18.25, 0, 0, 0, 0, 99.9, 0, 0, 12.0, 0, 0, 0, 35.5, 0];
  const b = [0, 0, 0, 0, 15.0, 0, 0, 0, 0, 22.75, 0, 0, 0, 0, 0, 0, 40.0, 0, 0, 0, 0, 0, 0, 0, 0, 9.5, 0, 0];
  const sums = (xs: number[]) => ({
    n: xs.length,
    sum: xs.reduce((s, x) => s + x, 0),
    sumSquares: xs.reduce((s, x) => s + x * x, 0),
  });

  it('matches scipy ttest_ind(equal_var=False) and its confidence interval', () => {
    const r = revenueInterval(sums(a), sums(b));
    expectNear(r.estimate, 7.348511904761905, 1e-12);
    expectNear(r.lower, -3.3186559817480816, 1e-10);
    expectNear(r.upper, 18.015679791271893, 1e-10);
    expectRelative(r.df, 28.39576005418745, 1e-12);
    expectRelative(r.pValue, 0.1693286717076261, 1e-10);
    expectRelative(r.standardError, 5.210812710779816, 1e-12);
    const r90 = revenueInterval(sums(a), sums(b), { confidence: 0.9 });
    expectNear(r90.lower, -1.5115394252094578, 1e-10);
    expectNear(r90.upper, 16.208563234733262, 1e-10);
  });

  it('offers the normal approximation', () => {
    const r = revenueInterval(sums(a), sums(b), { method: 'normal' });
    expectNear(r.lower, -2.864493338550064, 1e-10);
    expectNear(r.upper, 17.561517148073875, 1e-10);
    expectRelative(r.pValue, 0.15846795675965408, 1e-10);
    expect(r.df).toBe(Number.POSITIVE_INFINITY);
  });

  it('needs two recipients per arm', () => {
    expect(() => revenueInterval({ n: 1, sum: 3, sumSquares: 9 }, sums(b))).toThrow(RangeError);
  });
});

describe('recommend', () => {
  const base = { sampleRatioMismatch: false, treatmentExposures: 5000, controlExposures: 5000 };

  it('goes when the always-valid interval is entirely above zero', () => {
    const r = recommend({ ...base, interval: { lower: 0.001, upper: 0.02 } });
    expect(r).toMatchObject({ decision: 'go', reason: 'significant_improvement' });
    expect(r.message).toContain('+0.10 to +2.00 percentage points');
  });

  it('stops on harm and, when a minimum effect is set, on futility', () => {
    expect(recommend({ ...base, interval: { lower: -0.02, upper: -0.001 } })).toMatchObject({
      decision: 'stop',
      reason: 'significant_harm',
    });
    const futile = { ...base, interval: { lower: -0.004, upper: 0.0015 } };
    expect(recommend(futile)).toMatchObject({ decision: 'keep_running', reason: 'inconclusive' });
    expect(recommend(futile, { minimumEffect: 0.002 })).toMatchObject({ decision: 'stop', reason: 'futile' });
    expect(recommend(futile, { minimumEffect: 0.001 })).toMatchObject({ decision: 'keep_running' });
  });

  it('never goes on a sample ratio mismatch, and waits for the minimum sample', () => {
    const winning = { lower: 0.01, upper: 0.03 };
    expect(recommend({ ...base, interval: winning, sampleRatioMismatch: true })).toMatchObject({
      decision: 'check_assignment',
      reason: 'sample_ratio_mismatch',
    });
    expect(recommend({ ...base, interval: winning, treatmentExposures: 99 })).toMatchObject({
      decision: 'keep_running',
      reason: 'below_minimum_sample',
    });
    expect(
      recommend({ ...base, interval: winning, controlExposures: 99 }, { minSamplePerArm: 50 }).decision,
    ).toBe('go');
  });
});

describe('compareArms', () => {
  // 1,300/20,000 vs 1,100/20,000; every converter spends exactly 40 (so revenue sums are known).
  // python3 (statsmodels / scipy), values pasted below:
  //   confint_proportions_2indep(1300, 20000, 1100, 20000, method='newcomb') → 0.005347059985195318, 0.014659549726634987
  //   … method='log', compare='ratio' (minus 1) → 0.09328666207199277, 0.2775187545314268
  //   proportions_ztest([1300, 1100], [20000, 20000]) → 4.210759605332596, 2.5451346417356773e-05
  //   proportion_confint(1300, 20000, method='wilson') → 0.061666231261277876, 0.06850084010753316
  //   P(T > C), Beta(1301, 18701) vs Beta(1101, 18901), scipy quad → 0.9999873494560749
  //   mSPRT τ² = 1e-4 by integration → p 0.0009774372377030203, sequence 0.002710724728387587 … 0.017289275271612416
  //   ttest_ind(40·[1]*1300 + [0]*18700, 40·[1]*1100 + [0]*18900, equal_var=False)
  //     → 0.4, CI 0.2138446853252629 … 0.5861553146747369, p 2.5413951759470158e-05
  const arm = { exposures: 20_000, conversions: 1300, revenue: { sum: 1300 * 40, sumSquares: 1300 * 1600 } };
  const control = {
    exposures: 20_000,
    conversions: 1100,
    revenue: { sum: 1100 * 40, sumSquares: 1100 * 1600 },
  };

  it('reports every figure and recommends go', () => {
    const r = compareArms(arm, control);
    expect(r.arm.rate.estimate).toBe(0.065);
    expectNear(r.arm.rate.lower, 0.061666231261277876, 1e-12);
    expectNear(r.arm.rate.upper, 0.06850084010753316, 1e-12);
    expect(r.arm.revenuePerRecipient).toBe(2.6);
    expect(r.control.revenuePerRecipient).toBe(2.2);
    expectNear(r.absoluteLift.estimate, 0.01, 1e-15);
    expectNear(r.absoluteLift.lower, 0.005347059985195318, 1e-12);
    expectNear(r.absoluteLift.upper, 0.014659549726634987, 1e-12);
    expectNear(r.relativeLift!.estimate, 2 / 11, 1e-12);
    expectNear(r.relativeLift!.interval!.lower, 0.09328666207199277, 1e-12);
    expectNear(r.relativeLift!.interval!.upper, 0.2775187545314268, 1e-12);
    expectRelative(r.zTest.z, 4.210759605332596, 1e-12);
    expectRelative(r.zTest.pValue, 2.5451346417356773e-5, 1e-10);
    expectNear(r.probabilityToBeat, 0.9999873494560749, 1e-10);
    expectRelative(r.sequential.pValue, 0.0009774372377030203, 1e-8);
    expectNear(r.sequential.interval.lower, 0.002710724728387587, 1e-10);
    expectNear(r.sequential.interval.upper, 0.017289275271612416, 1e-10);
    expect(r.srm).toMatchObject({ statistic: 0, df: 1, mismatch: false });
    expectNear(r.revenue!.estimate, 0.4, 1e-12);
    expectNear(r.revenue!.lower, 0.2138446853252629, 1e-9);
    expectNear(r.revenue!.upper, 0.5861553146747369, 1e-9);
    expectRelative(r.revenue!.pValue, 2.5413951759470158e-5, 1e-8);
    expect(r.margin).toBeUndefined();
    expect(r.recommendation).toMatchObject({ decision: 'go', reason: 'significant_improvement' });
  });

  it('checks assignment instead of going when exposures are off the configured split', () => {
    // Same data, but 20,000 vs 20,000 against a configured 60/40 split: expected 24,000 / 16,000,
    // χ² = 4000²/24000 + 4000²/16000 = 666.67 + 1000 = 5000/3, p ≈ 0 — far below 0.001.
    const r = compareArms(arm, control, { expectedShares: [0.6, 0.4] });
    expectRelative(r.srm.statistic, 5000 / 3, 1e-12);
    expect(r.srm.mismatch).toBe(true);
    expect(r.recommendation.decision).toBe('check_assignment');
  });

  it('threads the previous sequential state and option defaults through', () => {
    const r = compareArms(arm, control, {
      previous: { pValue: 1e-5, interval: { lower: 0.008, upper: 0.5 } },
    });
    expect(r.sequential.pValue).toBe(1e-5);
    expect(r.sequential.interval.lower).toBe(0.008);
    const small = compareArms(counts(9, 50), counts(2, 50));
    expect(small.recommendation.reason).toBe('below_minimum_sample');
    expect(small.revenue).toBeUndefined();
    expect(() => compareArms(counts(0, 0), counts(0, 10))).toThrow(RangeError);
  });
});
