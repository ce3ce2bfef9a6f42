/**
 * Thompson sampling over content variants with Beta(1 + conversions, 1 + exposures − conversions)
 * posteriors. Each pick samples every arm's posterior and takes the largest sample, so arms are
 * chosen in proportion to their probability of being best: winners rotate in automatically, and
 * losers still get an occasional look.
 */

/** Observed counts of one arm. */
export interface ArmStats {
  readonly exposures: number;
  readonly conversions: number;
}

/** A source of uniform numbers in [0, 1); inject a seeded one for reproducible tests. */
export type Random = () => number;

function standardNormal(random: Random): number {
  // Box–Muller; 1 − u keeps the log argument in (0, 1].
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape, 1) by Marsaglia–Tsang (shape < 1 boosted with u^(1/shape)). */
export function sampleGamma(shape: number, random: Random): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * (1 - random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(alpha, beta) sample. */
export function sampleBeta(alpha: number, beta: number, random: Random): number {
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(beta, random);
  return x / (x + y);
}

/** The posterior parameters of an arm (uniform prior), with counts clamped to be consistent. */
export function posterior(stats: ArmStats | undefined): { alpha: number; beta: number } {
  const exposures = Math.max(0, stats?.exposures ?? 0);
  const conversions = Math.min(exposures, Math.max(0, stats?.conversions ?? 0));
  return { alpha: 1 + conversions, beta: 1 + exposures - conversions };
}

/** One Thompson draw: a sampled conversion rate per arm and the arm with the largest sample. */
export function thompsonPick(
  arms: readonly string[],
  stats: Readonly<Record<string, ArmStats>>,
  random: Random,
): { readonly chosen: string; readonly samples: Readonly<Record<string, number>> } {
  if (arms.length === 0) throw new RangeError('thompsonPick needs at least one arm');
  const samples: Record<string, number> = {};
  let chosen = arms[0]!;
  let best = -1;
  for (const arm of arms) {
    const { alpha, beta } = posterior(stats[arm]);
    const s = sampleBeta(alpha, beta, random);
    samples[arm] = s;
    if (s > best) {
      best = s;
      chosen = arm;
    }
  }
  return { chosen, samples };
}
