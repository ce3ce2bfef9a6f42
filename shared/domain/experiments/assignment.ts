/**
 * Deterministic experiment assignment: sha256(salt + ':' + unit) mapped into [0, 1). Nothing is
 * stored to decide an arm — the same unit always lands in the same arm while the salt and the split
 * stay the same. Assignments are *recorded* (start-journey) so the measurement layer sees exposures.
 */
import { createHash } from 'node:crypto';

/** A unit's position in [0, 1) for a salt: the first 52 bits of sha256(salt:unit) over 2^52. */
export function unitInterval(salt: string, unitId: string): number {
  const digest = createHash('sha256').update(`${salt}:${unitId}`, 'utf8').digest();
  // 52 bits fit a double exactly: 4 bytes (32 bits) + 20 bits of the next 3 bytes.
  const high = digest.readUInt32BE(0);
  const low = digest.readUIntBE(4, 3) >>> 4;
  return (high * 2 ** 20 + low) / 2 ** 52;
}

/** The global control group: excluded from every marketing journey. */
export interface GlobalControl {
  /** Share of all profiles in the control group, 0–0.5 (e.g. 0.05). */
  readonly share: number;
  readonly salt: string;
}

/** An experiment's arms: weighted variants after a holdout share. */
export interface ExperimentSplit {
  readonly salt: string;
  readonly holdoutShare: number;
  readonly variants: readonly { readonly id: string; readonly weight: number }[];
}

export type Arm =
  | { readonly arm: 'control'; readonly reason: 'global_control'; readonly u: number }
  | { readonly arm: 'holdout'; readonly reason: 'journey_holdout'; readonly u: number }
  | { readonly arm: string; readonly reason: 'variant' | 'no_experiment'; readonly u: number };

/** True when the unit is in the global control group. */
export function inGlobalControl(control: GlobalControl, unitId: string): boolean {
  return unitInterval(control.salt, unitId) < control.share;
}

/**
 * The arm of a unit in an experiment: holdout for u < holdoutShare, else the variant whose weighted
 * slice of [holdoutShare, 1) holds u.
 */
export function assignArm(split: ExperimentSplit, unitId: string): Arm {
  const u = unitInterval(split.salt, unitId);
  if (u < split.holdoutShare) return { arm: 'holdout', reason: 'journey_holdout', u };
  const total = split.variants.reduce((sum, v) => sum + v.weight, 0);
  const position = ((u - split.holdoutShare) / (1 - split.holdoutShare)) * total;
  let edge = 0;
  for (const v of split.variants) {
    edge += v.weight;
    if (position < edge) return { arm: v.id, reason: 'variant', u };
  }
  return { arm: split.variants[split.variants.length - 1]!.id, reason: 'variant', u };
}

/**
 * Full assignment for a journey entry: the global control group first (its own salt, so it is
 * independent of every journey's split), then the journey's split when it has one.
 */
export function assign(
  control: GlobalControl,
  split: ExperimentSplit | undefined,
  unitId: string,
  options: { readonly marketing: boolean } = { marketing: true },
): Arm {
  if (options.marketing) {
    const u = unitInterval(control.salt, unitId);
    if (u < control.share) return { arm: 'control', reason: 'global_control', u };
  }
  if (!split) return { arm: 'default', reason: 'no_experiment', u: 0 };
  return assignArm(split, unitId);
}
