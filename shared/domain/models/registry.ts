/**
 * Model registry: every trained version with its model card, promotion gates and state.
 *
 *   candidate ──(all gates pass)──► promoted ──(another version promoted)──► retired
 *       └──(operator)──► rejected
 *
 * At most one version per model is promoted; the switch is one transaction in the registry
 * adapter. A version that fails a gate stays a candidate: it is kept, with its gate results, so a
 * person can read why, and it can never be promoted (the registry re-checks the stored gates).
 */
import type { Gate, ModelName } from '../../config/models.js';
import type { ModelRegistry } from '../../ports/models.js';
import type { FairnessReport } from './fairness.js';
import type { GateResult, ModelCard, ModelParameters, ModelStatus } from './version.js';

export type { ModelName } from '../../config/models.js';
// The version and card types live beside the port (version.ts), which must not import this file.
export * from './version.js';

/** Evaluates `gates` on the metrics; a fairness report that is flagged adds a failing gate. */
export function evaluateGates(
  metrics: Readonly<Record<string, number>>,
  gates: readonly Gate[],
  fairness: FairnessReport | null,
): GateResult[] {
  const results: GateResult[] = gates.map((gate) => {
    const value = metrics[gate.metric];
    const known = typeof value === 'number' && Number.isFinite(value);
    const passed =
      known && (gate.min === undefined || value >= gate.min) && (gate.max === undefined || value <= gate.max);
    return {
      metric: gate.metric,
      ...(gate.min !== undefined ? { min: gate.min } : {}),
      ...(gate.max !== undefined ? { max: gate.max } : {}),
      value: known ? value : null,
      passed,
    };
  });
  // Fairness is judged only when a trait had two or more cohorts large enough to compare.
  if (fairness && fairness.worstDisparateImpact !== null) {
    results.push({
      metric: 'disparateImpact',
      min: fairness.minDisparateImpact,
      value: fairness.worstDisparateImpact,
      passed: !fairness.flagged,
    });
  }
  return results;
}

/** True when every gate passed. */
export const gatesPassed = (gates: readonly GateResult[]): boolean => gates.every((g) => g.passed);

/** A sortable, unique version id: UTC time to the second plus a random suffix, e.g. `20250105T030000Z-9f2c`. */
export function newVersionId(now: Date, randomHex: () => string): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${stamp}-${randomHex().slice(0, 4)}`;
}

/** Outcome of registering a trained version. */
export type RegistrationOutcome =
  | { readonly status: 'promoted'; readonly version: string; readonly previous?: string }
  | { readonly status: 'candidate'; readonly version: string; readonly failedGates: GateResult[] };

/** Outcome of asking to promote a version. */
export type PromotionOutcome =
  | { readonly outcome: 'promoted'; readonly previous?: string }
  | { readonly outcome: 'not_found' }
  | { readonly outcome: 'not_candidate'; readonly status: ModelStatus }
  | { readonly outcome: 'gates_failed'; readonly failed: GateResult[] };

/**
 * Promotes a candidate whose stored gates all passed; the previously promoted version (if any)
 * becomes retired in the same transaction.
 */
export async function promoteVersion(
  registry: Pick<ModelRegistry, 'get' | 'promote'>,
  model: ModelName,
  version: string,
  at: Date,
): Promise<PromotionOutcome> {
  const current = await registry.get(model, version);
  if (!current) return { outcome: 'not_found' };
  if (current.status !== 'candidate') return { outcome: 'not_candidate', status: current.status };
  const failed = current.card.gates.filter((g) => !g.passed);
  if (failed.length > 0) return { outcome: 'gates_failed', failed };
  const { previous } = await registry.promote(model, version, at.toISOString());
  return { outcome: 'promoted', ...(previous ? { previous } : {}) };
}

/** Input to `registerVersion`: the card without gate results (they are computed here). */
export interface TrainedVersion {
  readonly card: Omit<ModelCard, 'gates'>;
  readonly parameters: ModelParameters;
}

/**
 * Evaluates the gates, stores the version as a candidate with its gate results, and promotes it
 * when every gate passes.
 */
export async function registerVersion(
  deps: { readonly registry: Pick<ModelRegistry, 'register' | 'get' | 'promote'>; readonly now: () => Date },
  trained: TrainedVersion,
  gates: readonly Gate[],
): Promise<RegistrationOutcome> {
  const results = evaluateGates(trained.card.metrics, gates, trained.card.fairness);
  const at = deps.now();
  await deps.registry.register({
    card: { ...trained.card, gates: results },
    status: 'candidate',
    statusChangedAt: at.toISOString(),
    parameters: trained.parameters,
  });
  const { model, version } = trained.card;
  if (!gatesPassed(results)) {
    return { status: 'candidate', version, failedGates: results.filter((g) => !g.passed) };
  }
  const promoted = await promoteVersion(deps.registry, model, version, at);
  if (promoted.outcome !== 'promoted') {
    // Only a concurrent status change can get here; the version stays as the registry has it.
    return { status: 'candidate', version, failedGates: [] };
  }
  return { status: 'promoted', version, ...(promoted.previous ? { previous: promoted.previous } : {}) };
}
