/**
 * Scoring profiles with the promoted models: P(alive), churn risk, expected purchases in 90 days,
 * CLV over the CLV horizon (12 months by default) and the 30-day purchase propensity, each banded
 * low / medium / high with configured cut points. Scores are written on every scoring; a
 * `ScoresChanged` event is emitted only when a band changes, carrying its explanation (scores and
 * model versions).
 */
import type { BandCuts, ModelsConfig } from '../../config/models.js';
import type {
  ModelRegistry,
  Predictor,
  ScoreEvents,
  ScoreSink,
  ScoringProfile,
  ScoringSource,
} from '../../ports/models.js';
import { conditionalExpectedTransactions } from './bgnbd.js';
import { createClvScorer, type ScoringInput } from './clv.js';
import { compileLogistic } from './logistic.js';
import {
  BANDED_SCORES,
  type Band,
  type BandChange,
  type Bands,
  type ModelVersions,
  type Scores,
  type ScoresChanged,
} from './scores.js';
import { parseIsoDay } from './transactions.js';
import type { ClvParameters, ModelVersion, PropensityParameters } from './version.js';

// The score and event types live beside the ports (scores.ts), which must not import this file.
export * from './scores.js';

/** low below `medium`, high from `high`, medium between. */
export function band(value: number, cuts: BandCuts): Band {
  if (value >= cuts.high) return 'high';
  if (value >= cuts.medium) return 'medium';
  return 'low';
}

/** Bands that differ from the previous scoring (a band seen for the first time counts as a change). */
export function bandChanges(previous: Bands | undefined, next: Bands): BandChange[] {
  const changes: BandChange[] = [];
  for (const score of BANDED_SCORES) {
    const to = next[score];
    if (to === undefined) continue;
    const from = previous?.[score] ?? null;
    if (from !== to) changes.push({ score, from, to });
  }
  return changes;
}

/** BG/NBD inputs (weeks) of a purchase summary as of `asOfDay` (days since the epoch). */
export function rfmFromSummary(
  summary: NonNullable<ScoringProfile['purchases']>,
  asOfDay: number,
): ScoringInput | undefined {
  const first = parseIsoDay(summary.firstPurchaseDay);
  const last = parseIsoDay(summary.lastPurchaseDay);
  if (first === undefined || last === undefined || last < first || asOfDay < last) return undefined;
  const x = Math.max(0, Math.round(summary.distinctPurchaseDays) - 1);
  return {
    x,
    tx: x > 0 ? (last - first) / 7 : 0,
    T: (asOfDay - first) / 7,
    monetaryValue: x > 0 ? summary.repeatSpend / x : 0,
  };
}

/** What the CLV model predicts for one customer. */
export interface ClvPrediction {
  readonly probabilityAlive: number;
  readonly expectedPurchases90d: number;
  readonly clv12m: number;
}

/** The built-in CLV model (BG/NBD + Gamma-Gamma) for a version's parameters. */
export function builtInClvPredictor(params: ClvParameters): Predictor<ScoringInput, ClvPrediction> {
  const score = createClvScorer(params.bgnbd, params.gammaGamma, {
    horizonMonths: params.horizonMonths,
    monthlyDiscountRate: params.monthlyDiscountRate,
  });
  const weeks90 = 90 / 7;
  return {
    predict: async (rows) =>
      rows.map((row) => {
        const s = score(row);
        return {
          probabilityAlive: s.probabilityAlive,
          expectedPurchases90d: conditionalExpectedTransactions(params.bgnbd, weeks90, row),
          clv12m: s.clv,
        };
      }),
  };
}

/** The built-in propensity model (logistic regression) for a version's parameters. */
export function builtInPropensityPredictor(params: PropensityParameters): Predictor<number[], number> {
  const score = compileLogistic(params.logistic);
  return { predict: async (rows) => rows.map((row) => score(row)) };
}

/** The promoted models, ready to predict. */
export interface ScoringModels {
  readonly clv?: { readonly version: string; readonly predictor: Predictor<ScoringInput, ClvPrediction> };
  readonly propensity?: {
    readonly version: string;
    readonly features: readonly string[];
    readonly predictor: Predictor<number[], number>;
  };
}

/** Lets a caller replace a built-in predictor (e.g. by a SageMaker endpoint that falls back to it). */
export interface PredictorWrappers {
  readonly clv?: (
    builtIn: Predictor<ScoringInput, ClvPrediction>,
    version: string,
  ) => Predictor<ScoringInput, ClvPrediction>;
  readonly propensity?: (
    builtIn: Predictor<number[], number>,
    version: string,
  ) => Predictor<number[], number>;
}

/** Scoring models from the promoted versions (either may be absent). */
export function buildScoringModels(
  promoted: { clv?: ModelVersion | undefined; propensity?: ModelVersion | undefined },
  wrappers: PredictorWrappers = {},
): ScoringModels {
  const out: { -readonly [K in keyof ScoringModels]: ScoringModels[K] } = {};
  const clv = promoted.clv;
  if (clv?.parameters.kind === 'clv') {
    const builtIn = builtInClvPredictor(clv.parameters);
    const version = clv.card.version;
    out.clv = { version, predictor: wrappers.clv ? wrappers.clv(builtIn, version) : builtIn };
  }
  const prop = promoted.propensity;
  if (prop?.parameters.kind === 'propensity') {
    const builtIn = builtInPropensityPredictor(prop.parameters);
    const version = prop.card.version;
    out.propensity = {
      version,
      features: prop.parameters.logistic.features,
      predictor: wrappers.propensity ? wrappers.propensity(builtIn, version) : builtIn,
    };
  }
  return out;
}

/**
 * Loads the promoted models from the registry, keeping them for `ttlMs` per instance so a
 * promotion reaches every scorer within that time without a registry read per profile.
 */
export function cachedModelLoader(
  registry: Pick<ModelRegistry, 'getPromoted'>,
  options: { ttlMs: number; now: () => Date; wrappers?: PredictorWrappers },
): () => Promise<ScoringModels> {
  let cached: { at: number; models: Promise<ScoringModels> } | undefined;
  return () => {
    const now = options.now().getTime();
    if (cached && now - cached.at < options.ttlMs) return cached.models;
    const models = Promise.all([registry.getPromoted('clv'), registry.getPromoted('propensity')]).then(
      ([clv, propensity]) => buildScoringModels({ clv, propensity }, options.wrappers),
    );
    cached = { at: now, models };
    // A failed load is not cached: the next call asks the registry again.
    models.catch(() => {
      if (cached?.models === models) cached = undefined;
    });
    return models;
  };
}

/** Whether a `ProfileUpdated` event leads to a scoring. */
export type DebounceDecision =
  | { readonly score: true; readonly reason: 'never_scored' | 'stale' | 'purchase_changed' }
  | { readonly score: false; readonly reason: 'debounced' };

/**
 * Skip when the profile was scored less than `debounceMinutes` ago, unless a purchase-related
 * field changed (a field matches itself and its sub-fields: `orders` matches `orders.count`).
 */
export function debounce(
  lastScoredAt: string | undefined,
  changed: readonly string[],
  now: Date,
  config: Pick<ModelsConfig['scoring'], 'debounceMinutes' | 'purchaseFields'>,
): DebounceDecision {
  const purchase = changed.some((field) =>
    config.purchaseFields.some((p) => field === p || field.startsWith(`${p}.`)),
  );
  if (purchase) return { score: true, reason: 'purchase_changed' };
  const last = lastScoredAt === undefined ? Number.NaN : Date.parse(lastScoredAt);
  if (Number.isNaN(last)) return { score: true, reason: 'never_scored' };
  return now.getTime() - last < config.debounceMinutes * 60_000
    ? { score: false, reason: 'debounced' }
    : { score: true, reason: 'stale' };
}

/** Dependencies of the scorer. */
export interface ScorerDeps {
  readonly models: () => Promise<ScoringModels>;
  readonly source: ScoringSource;
  readonly sink: ScoreSink;
  readonly events: ScoreEvents;
  readonly now: () => Date;
  readonly config: Pick<ModelsConfig, 'bands' | 'scoring'>;
}

/** Result of scoring a set of profiles. */
export interface ScoringSummary {
  readonly scored: number;
  readonly emitted: number;
  /** Profiles for which no promoted model had inputs (nothing written). */
  readonly unscorable: number;
}

/** Scores the profiles, writes every profile's scores, and emits ScoresChanged for band changes. */
export async function scoreProfiles(
  deps: ScorerDeps,
  profiles: readonly ScoringProfile[],
): Promise<ScoringSummary> {
  const models = await deps.models();
  const now = deps.now();
  const today = Math.floor(now.getTime() / 86_400_000);
  const clvIdx: number[] = [];
  const clvRows: ScoringInput[] = [];
  const propIdx: number[] = [];
  const propRows: number[][] = [];
  profiles.forEach((profile, i) => {
    if (models.clv && profile.purchases) {
      const row = rfmFromSummary(profile.purchases, today);
      if (row) {
        clvIdx.push(i);
        clvRows.push(row);
      }
    }
    if (models.propensity && profile.features) {
      const features = profile.features;
      const row = models.propensity.features.map((name) => features[name]);
      if (row.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) {
        propIdx.push(i);
        propRows.push(row);
      }
    }
  });
  const [clvOut, propOut] = await Promise.all([
    models.clv && clvRows.length > 0 ? models.clv.predictor.predict(clvRows) : [],
    models.propensity && propRows.length > 0 ? models.propensity.predictor.predict(propRows) : [],
  ]);
  const results: { -readonly [K in keyof Scores]: Scores[K] }[] = profiles.map(() => ({ bands: {} }));
  const versions: ModelVersions[] = profiles.map(() => ({}));
  const { bands } = deps.config;
  clvIdx.forEach((i, k) => {
    const p = clvOut[k];
    if (!p) return;
    const s = results[i]!;
    s.probabilityAlive = p.probabilityAlive;
    s.churnRisk = 1 - p.probabilityAlive;
    s.expectedPurchases90d = p.expectedPurchases90d;
    s.clv12m = p.clv12m;
    s.bands = {
      ...s.bands,
      churnRisk: band(s.churnRisk, bands.churnRisk),
      clv12m: band(p.clv12m, bands.clv12m),
    };
    versions[i]!.clv = models.clv!.version;
  });
  propIdx.forEach((i, k) => {
    const p = propOut[k];
    if (p === undefined) return;
    const s = results[i]!;
    s.propensity30d = p;
    s.bands = { ...s.bands, propensity30d: band(p, bands.propensity30d) };
    versions[i]!.propensity = models.propensity!.version;
  });
  const at = now.toISOString();
  const changed: ScoresChanged[] = [];
  let scored = 0;
  let unscorable = 0;
  for (const [i, profile] of profiles.entries()) {
    const scores = results[i]!;
    const modelVersions = versions[i]!;
    if (Object.keys(modelVersions).length === 0) {
      unscorable++;
      continue;
    }
    await deps.sink.writeScores(profile.profileId, scores, modelVersions, at);
    scored++;
    const changes = bandChanges(profile.lastScored?.bands, scores.bands);
    if (changes.length > 0) {
      changed.push({ profileId: profile.profileId, changes, scores, modelVersions, scoredAt: at });
    }
  }
  if (changed.length > 0) await deps.events.scoresChanged(changed);
  return { scored, emitted: changed.length, unscorable };
}

/** Detail of the `ProfileUpdated` domain event the scorer listens to. */
export interface ProfileUpdated {
  readonly profileId: string;
  readonly changed: readonly string[];
}

/** Outcome of handling one `ProfileUpdated` event. */
export type ProfileUpdatedOutcome =
  | {
      readonly outcome: 'scored';
      readonly reason: 'never_scored' | 'stale' | 'purchase_changed';
      readonly emitted: boolean;
    }
  | { readonly outcome: 'skipped'; readonly reason: 'debounced' | 'profile_not_found' | 'unscorable' };

/** Scores one profile after a `ProfileUpdated` event, unless debounced. */
export async function onProfileUpdated(
  deps: ScorerDeps,
  event: ProfileUpdated,
): Promise<ProfileUpdatedOutcome> {
  const profile = await deps.source.get(event.profileId);
  if (!profile) return { outcome: 'skipped', reason: 'profile_not_found' };
  const decision = debounce(profile.lastScored?.at, event.changed, deps.now(), deps.config.scoring);
  if (!decision.score) return { outcome: 'skipped', reason: decision.reason };
  const summary = await scoreProfiles(deps, [profile]);
  if (summary.scored === 0) return { outcome: 'skipped', reason: 'unscorable' };
  return { outcome: 'scored', reason: decision.reason, emitted: summary.emitted > 0 };
}

/** One profile of a grouped `ProfilesUpdated` event; `eventId` is its ProfileUpdated event's id. */
export interface ProfileUpdate extends ProfileUpdated {
  readonly eventId?: string;
}

/** What handling a grouped `ProfilesUpdated` event did, in counts. */
export interface ProfilesUpdatedSummary {
  /** Distinct profiles the event named (updates with the same eventId count once). */
  readonly profiles: number;
  readonly scored: number;
  readonly emitted: number;
  readonly skipped: Readonly<Record<'debounced' | 'profile_not_found' | 'unscorable', number>>;
}

/** Profiles read at once while handling a grouped event. */
const READ_CONCURRENCY = 8;

/**
 * Handles a grouped `ProfilesUpdated` event (the outbox publisher's form of a stream batch's
 * ProfileUpdated events): an eventId seen twice counts once, a profile named by several updates is
 * decided once on all their changed fields, each profile is debounced as a single event would be,
 * and the profiles to score are scored together (one prediction call per model).
 */
export async function onProfilesUpdated(
  deps: ScorerDeps,
  updates: readonly ProfileUpdate[],
): Promise<ProfilesUpdatedSummary> {
  const seen = new Set<string>();
  const changedBy = new Map<string, Set<string>>();
  for (const u of updates) {
    if (u.eventId !== undefined) {
      if (seen.has(u.eventId)) continue;
      seen.add(u.eventId);
    }
    const changed = changedBy.get(u.profileId) ?? new Set<string>();
    for (const c of u.changed) changed.add(c);
    changedBy.set(u.profileId, changed);
  }
  const ids = [...changedBy.keys()];
  const found: (ScoringProfile | undefined)[] = [];
  for (let i = 0; i < ids.length; i += READ_CONCURRENCY)
    found.push(...(await Promise.all(ids.slice(i, i + READ_CONCURRENCY).map((id) => deps.source.get(id)))));
  const skipped = { debounced: 0, profile_not_found: 0, unscorable: 0 };
  const toScore: ScoringProfile[] = [];
  const now = deps.now();
  ids.forEach((id, i) => {
    const profile = found[i];
    if (!profile) {
      skipped.profile_not_found++;
      return;
    }
    const decision = debounce(profile.lastScored?.at, [...changedBy.get(id)!], now, deps.config.scoring);
    if (decision.score) toScore.push(profile);
    else skipped.debounced++;
  });
  const summary =
    toScore.length > 0 ? await scoreProfiles(deps, toScore) : { scored: 0, emitted: 0, unscorable: 0 };
  skipped.unscorable = summary.unscorable;
  return { profiles: ids.length, scored: summary.scored, emitted: summary.emitted, skipped };
}

/** Scores one page of all profiles (the nightly batch); the cursor continues the scan. */
export async function scoreBatchPage(
  deps: ScorerDeps,
  cursor: string | undefined,
): Promise<ScoringSummary & { readonly cursor?: string }> {
  const page = await deps.source.page(deps.config.scoring.batchSize, cursor);
  const summary = await scoreProfiles(deps, page.profiles);
  return { ...summary, ...(page.cursor ? { cursor: page.cursor } : {}) };
}
