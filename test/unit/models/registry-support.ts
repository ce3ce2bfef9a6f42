/** Test doubles for the model ports: an in-memory registry and TrainingData over synthetic behaviour. */
import type { ModelName } from '../../../shared/config/models.js';
import { ConflictError, NotFoundError } from '../../../shared/domain/errors.js';
import {
  type BehaviourEvent,
  indexEvents,
  PROPENSITY_FEATURES,
  propensityFeatures,
  purchasedWithin,
} from '../../../shared/domain/models/propensity.js';
import type { ModelVersion, ModelVersionSummary } from '../../../shared/domain/models/registry.js';
import { formatIsoDay, parseIsoDay } from '../../../shared/domain/models/transactions.js';
import type {
  ModelRegistry,
  PropensityRow,
  PurchaseSummaryRow,
  TrainingData,
} from '../../../shared/ports/models.js';

/** ModelRegistry in memory, with the same rules as the DynamoDB adapter. */
export class InMemoryRegistry implements ModelRegistry {
  readonly versions = new Map<string, ModelVersion>();
  readonly promoted = new Map<ModelName, string>();

  private key = (model: ModelName, version: string) => `${model}|${version}`;

  async register(v: ModelVersion): Promise<void> {
    const k = this.key(v.card.model, v.card.version);
    if (this.versions.has(k)) throw new ConflictError('version_exists', 'exists');
    this.versions.set(k, v);
  }

  async get(model: ModelName, version: string) {
    return this.versions.get(this.key(model, version));
  }

  async getPromoted(model: ModelName) {
    const v = this.promoted.get(model);
    return v ? this.get(model, v) : undefined;
  }

  async list(model?: ModelName): Promise<ModelVersionSummary[]> {
    return [...this.versions.values()]
      .filter((v) => !model || v.card.model === model)
      .sort((a, b) => (a.card.version < b.card.version ? 1 : -1))
      .map((v) => ({
        model: v.card.model,
        version: v.card.version,
        status: v.status,
        createdAt: v.card.createdAt,
        statusChangedAt: v.statusChangedAt,
        gatesPassed: v.card.gates.every((g) => g.passed),
        metrics: v.card.metrics,
      }));
  }

  async promote(model: ModelName, version: string, at: string) {
    const v = await this.get(model, version);
    if (v?.status !== 'candidate' || !v.card.gates.every((g) => g.passed)) {
      throw new ConflictError('not_promotable', 'not promotable');
    }
    const previous = this.promoted.get(model);
    if (previous) {
      const p = (await this.get(model, previous))!;
      this.versions.set(this.key(model, previous), { ...p, status: 'retired', statusChangedAt: at });
    }
    this.versions.set(this.key(model, version), { ...v, status: 'promoted', statusChangedAt: at });
    this.promoted.set(model, version);
    return previous ? { previous } : {};
  }

  async setStatus(model: ModelName, version: string, status: 'rejected' | 'retired', at: string) {
    const v = await this.get(model, version);
    if (!v) throw new NotFoundError('version_not_found', 'no such version');
    if (v.status === 'promoted') this.promoted.delete(model);
    this.versions.set(this.key(model, version), { ...v, status, statusChangedAt: at });
  }
}

const DAY = 86_400_000;

/**
 * TrainingData computed from behavioural events, as the profiles layer would: purchase summaries
 * from purchase events, propensity features and labels at a cutoff, and a cohort trait per profile.
 */
export function behaviourTrainingData(
  events: readonly BehaviourEvent[],
  traitOf: (profileId: string) => Record<string, string | undefined> = () => ({}),
): TrainingData {
  const byProfile = indexEvents(events);
  return {
    async *purchaseSummaries(calibrationEnd: string): AsyncIterable<PurchaseSummaryRow> {
      const end = parseIsoDay(calibrationEnd)!;
      for (const [id, list] of byProfile) {
        const days = new Map<number, number>();
        for (const e of list) {
          if (e.type !== 'purchase') continue;
          const day = Math.floor(e.at / DAY);
          if (day <= end) days.set(day, (days.get(day) ?? 0) + (e.value ?? 0));
        }
        if (days.size === 0) continue;
        const sorted = [...days.entries()].sort((a, b) => a[0] - b[0]);
        yield {
          customerId: id,
          firstPurchaseDay: formatIsoDay(sorted[0]![0]),
          lastPurchaseDay: formatIsoDay(sorted[sorted.length - 1]![0]),
          distinctPurchaseDays: sorted.length,
          repeatSpend: sorted.slice(1).reduce((s, [, v]) => s + v, 0),
          traits: traitOf(id),
        };
      }
    },
    async *propensityRows(cutoff: string, horizonDays: number): AsyncIterable<PropensityRow> {
      const at = Date.parse(cutoff);
      for (const [id, list] of byProfile) {
        if (!(list.length > 0 && list[0]!.at < at)) continue;
        const x = propensityFeatures(list, at);
        yield {
          profileId: id,
          features: Object.fromEntries(PROPENSITY_FEATURES.map((f, i) => [f, x[i]!])),
          label: purchasedWithin(list, at, horizonDays),
          traits: traitOf(id),
        };
      }
    },
  };
}
