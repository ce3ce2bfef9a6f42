/**
 * Model monitoring on realised outcomes. Every day the monitor samples the propensity scores the
 * scorer stored on profiles (a snapshot: profile id, 30-day purchase probability, model version);
 * `horizonDays` later it judges that snapshot against what happened — did the person order within
 * the horizon after the snapshot day — and records the realised AUC, calibration error and
 * precision / recall at the top decile next to the model's card. Realised AUC more than `aucDrop`
 * below the card's held-out AUC, or a calibration error above `maxCalibrationError`, is drift: it is
 * published as a metric (alarmed) and retraining is requested (the trainer's gates decide whether
 * the new version is promoted).
 */
import type { MeasurementConfig } from '../../config/measurement.js';
import type { ProfileScan, StoredProfile } from '../../ports/profiles.js';
import { expectedCalibrationError, precisionRecallAtTop, rocAuc } from '../models/metrics.js';

const DAY_MS = 86_400_000;

/** Scores sampled on one day. */
export interface ScoreSnapshot {
  readonly model: 'propensity';
  readonly day: string;
  readonly version: string | null;
  readonly rows: readonly (readonly [profileId: string, score: number])[];
}

export interface RealisedMetrics {
  readonly n: number;
  readonly positives: number;
  readonly auc: number;
  readonly calibrationError: number;
  readonly precisionAtTopDecile: number;
  readonly recallAtTopDecile: number;
}

export interface DriftVerdict {
  readonly drift: boolean;
  readonly reasons: readonly string[];
}

/** Realised metrics of scores against outcomes; undefined without both classes (AUC undefined). */
export function realisedMetrics(
  scores: readonly number[],
  labels: readonly boolean[],
): RealisedMetrics | undefined {
  const positives = labels.filter(Boolean).length;
  if (positives === 0 || positives === labels.length) return undefined;
  const top = precisionRecallAtTop(scores, labels, 0.1);
  return {
    n: labels.length,
    positives,
    auc: rocAuc(scores, labels),
    calibrationError: expectedCalibrationError(scores, labels),
    precisionAtTopDecile: top.precision,
    recallAtTopDecile: top.recall,
  };
}

/** Drift against the model card's held-out metrics. */
export function driftOf(
  realised: RealisedMetrics,
  card: Readonly<Record<string, number>> | undefined,
  thresholds: MeasurementConfig['models'],
): DriftVerdict {
  const reasons: string[] = [];
  const cardAuc = card?.auc;
  if (cardAuc !== undefined && realised.auc < cardAuc - thresholds.aucDrop) {
    reasons.push(
      `realised AUC ${realised.auc.toFixed(3)} is more than ${thresholds.aucDrop} below the card's ${cardAuc.toFixed(3)}`,
    );
  }
  if (realised.calibrationError > thresholds.maxCalibrationError) {
    reasons.push(
      `calibration error ${realised.calibrationError.toFixed(3)} is above ${thresholds.maxCalibrationError}`,
    );
  }
  return { drift: reasons.length > 0, reasons };
}

/** Whether the profile ordered on a day after `day` and at most `horizonDays` after it. */
export function orderedWithin(profile: StoredProfile, day: string, horizonDays: number): boolean {
  const from = Date.parse(`${day}T00:00:00Z`);
  return Object.values(profile.state.orders).some((o) => {
    const t = Date.parse(`${o.v.day}T00:00:00Z`);
    return t > from && t <= from + horizonDays * DAY_MS;
  });
}

export interface MonitorDeps {
  readonly profiles: ProfileScan;
  readonly snapshots: {
    get(model: 'propensity', day: string): Promise<ScoreSnapshot | undefined>;
    put(snapshot: ScoreSnapshot): Promise<void>;
  };
  /** The promoted version's card metrics (held-out, from training). */
  readonly cards: {
    promotedMetrics(
      model: 'propensity',
    ): Promise<{ version: string; metrics: Record<string, number> } | undefined>;
  };
  readonly evaluations: {
    record(evaluation: {
      model: 'propensity';
      day: string;
      version: string | null;
      realised: RealisedMetrics;
      verdict: DriftVerdict;
    }): Promise<void>;
  };
  readonly retrain: { request(model: 'propensity', reasons: readonly string[]): Promise<void> };
  readonly metrics: { put(name: string, value: number, dimensions: Record<string, string>): void };
  readonly config: MeasurementConfig['models'];
  /** Uniform [0, 1) draws for the reservoir sample. */
  readonly random: () => number;
  readonly now: () => Date;
}

export interface MonitorOutcome {
  readonly snapshot: { readonly day: string; readonly rows: number };
  readonly evaluated?: {
    readonly day: string;
    readonly realised: RealisedMetrics;
    readonly verdict: DriftVerdict;
  };
}

/** One daily run: snapshot today's scores, and judge the snapshot taken `horizonDays` ago. */
export async function monitorModels(deps: MonitorDeps): Promise<MonitorOutcome> {
  const now = deps.now();
  const today = now.toISOString().slice(0, 10);
  const dueDay = new Date(now.getTime() - deps.config.horizonDays * DAY_MS).toISOString().slice(0, 10);
  const due = await deps.snapshots.get('propensity', dueDay);
  const dueScores = new Map(due?.rows ?? []);
  const labels = new Map<string, boolean>();
  const promoted = await deps.cards.promotedMetrics('propensity');

  // One pass over the live profiles: a reservoir sample of today's scores, and the outcomes of the
  // people in the due snapshot.
  const sample: [string, number][] = [];
  let seen = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.profiles.scanLiveProfiles({ limit: 500, ...(cursor ? { cursor } : {}) });
    for (const p of page.profiles) {
      if (dueScores.has(p.profileId))
        labels.set(p.profileId, orderedWithin(p, dueDay, deps.config.horizonDays));
      const score = p.scores?.values.propensity30d;
      if (typeof score !== 'number' || !Number.isFinite(score)) continue;
      seen++;
      if (sample.length < deps.config.snapshotSize) sample.push([p.profileId, score]);
      else {
        const j = Math.floor(deps.random() * seen);
        if (j < deps.config.snapshotSize) sample[j] = [p.profileId, score];
      }
    }
    cursor = page.cursor;
  } while (cursor);
  await deps.snapshots.put({
    model: 'propensity',
    day: today,
    version: promoted?.version ?? null,
    rows: sample,
  });

  if (!due) return { snapshot: { day: today, rows: sample.length } };
  // People erased or merged away since the snapshot have no outcome: left out.
  const judged = due.rows.filter(([id]) => labels.has(id));
  const realised = realisedMetrics(
    judged.map(([, s]) => s),
    judged.map(([id]) => labels.get(id)!),
  );
  if (!realised) return { snapshot: { day: today, rows: sample.length } };
  // The card of the version promoted now (usually the one that made the snapshot's scores).
  const verdict = driftOf(realised, promoted?.metrics, deps.config);
  await deps.evaluations.record({
    model: 'propensity',
    day: dueDay,
    version: due.version,
    realised,
    verdict,
  });
  const dims = { Model: 'propensity' };
  deps.metrics.put('RealisedAuc', realised.auc, dims);
  deps.metrics.put('RealisedCalibrationError', realised.calibrationError, dims);
  deps.metrics.put('ModelDrift', verdict.drift ? 1 : 0, dims);
  if (verdict.drift) await deps.retrain.request('propensity', verdict.reasons);
  return { snapshot: { day: today, rows: sample.length }, evaluated: { day: dueDay, realised, verdict } };
}
