/**
 * Seeded pseudo-random numbers, the one module for them: synthetic data, optimiser starts, the demo
 * shop, bandit tests, fault injection and benches. `createRng` (sfc32) is the generator with
 * distributions; `seededRandom` (mulberry32) is the bare uniform stream the fault streams, the
 * benches and the decision tests draw from — kept apart because their seeds (the fault suite's 15,
 * the outbox faults' 14) were chosen for the faults that sequence injects.
 */

/** A source of uniform numbers in [0, 1) plus the distributions the generators need. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(lo: number, hi: number): number;
  /** Integer in [0, n). */
  int(n: number): number;
  normal(): number;
  exponential(rate: number): number;
  gamma(shape: number, rate: number): number;
  beta(a: number, b: number): number;
  poisson(mean: number): number;
  bernoulli(p: number): boolean;
}

/** sfc32 seeded through splitmix32: fast, passes PractRand to 2^40+, fully reproducible from `seed`. */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = 1;
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();
  // 53-bit uniform from two draws.
  const next = (): number => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992;
  let spare: number | undefined;
  const normal = (): number => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    // Marsaglia polar method.
    for (;;) {
      const u = 2 * next() - 1;
      const v = 2 * next() - 1;
      const q = u * u + v * v;
      if (q > 0 && q < 1) {
        const f = Math.sqrt((-2 * Math.log(q)) / q);
        spare = v * f;
        return u * f;
      }
    }
  };
  const gamma = (shape: number, rate: number): number => {
    // Marsaglia & Tsang (2000); shape < 1 via the U^(1/shape) boost.
    if (shape < 1) return gamma(shape + 1, rate) * next() ** (1 / shape);
    const dd = shape - 1 / 3;
    const cc = 1 / Math.sqrt(9 * dd);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + cc * x;
      } while (v <= 0);
      v = v * v * v;
      const u = next();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) {
        return (dd * v) / rate;
      }
    }
  };
  const poisson = (mean: number): number => {
    if (mean <= 0) return 0;
    if (mean < 30) {
      // Inversion by sequential search.
      let k = 0;
      let p = Math.exp(-mean);
      let cdf = p;
      const u = next();
      while (u > cdf && k < 1000) {
        k++;
        p *= mean / k;
        cdf += p;
      }
      return k;
    }
    // Exact for large means too: a Poisson(mean) is the sum of Poisson(mean / k) parts.
    const parts = Math.ceil(mean / 25);
    let total = 0;
    for (let i = 0; i < parts; i++) total += poisson(mean / parts);
    return total;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (n) => Math.floor(next() * n),
    normal,
    exponential: (rate) => -Math.log(1 - next()) / rate,
    gamma,
    beta: (x, y) => {
      const g1 = gamma(x, 1);
      return g1 / (g1 + gamma(y, 1));
    },
    poisson,
    bernoulli: (p) => next() < p,
  };
}

/** Mulberry32: a bare uniform stream in [0, 1), as `() => number` (see the module comment). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a of a string, as a seed: one seed per name (a demo person, a fault stream) from one run seed. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
