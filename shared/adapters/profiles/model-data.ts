/**
 * The models' ports over the profiles layer: TrainingData (the trainer's rows), ScoringSource (profiles
 * to score) and ScoreSink (scores written on the profile item, apart from its state). Inputs are derived
 * from profile state by `model-inputs.ts`; its header lists what past cutoffs can and cannot see.
 */

import { purchasedWithin } from '../../domain/models/propensity.js';
import {
  BANDED_SCORES,
  type Band,
  type Bands,
  type ModelVersions,
  type Scores,
} from '../../domain/models/scoring.js';
import type { ScoreSink, ScoringProfile, ScoringSource, TrainingData } from '../../ports/models.js';
import type { ProfileScan, ProfileScoreWriter, ProfileStore, StoredProfile } from '../../ports/profiles.js';
import {
  behaviourEventsOf,
  cohortTraitsOf,
  propensityFeaturesOf,
  purchaseSummaryOf,
} from './model-inputs.js';

/** Profiles read per scan page while training. */
export const TRAINING_PAGE_SIZE = 500;

async function* allProfiles(scan: ProfileScan, pageSize: number): AsyncGenerator<StoredProfile> {
  let cursor: string | undefined;
  do {
    const page = await scan.scanLiveProfiles({ limit: pageSize, ...(cursor ? { cursor } : {}) });
    yield* page.profiles;
    cursor = page.cursor;
  } while (cursor);
}

/** TrainingData: one pass over all live profiles per call. */
export class ProfileTrainingData implements TrainingData {
  constructor(
    private readonly deps: {
      readonly scan: ProfileScan;
      /** Traits carried on rows for the fairness report (`fairness.cohortTraits`). */
      readonly cohortTraits: readonly string[];
      readonly pageSize?: number;
    },
  ) {}

  async *purchaseSummaries(calibrationEnd: string) {
    for await (const profile of allProfiles(this.deps.scan, this.deps.pageSize ?? TRAINING_PAGE_SIZE)) {
      const summary = purchaseSummaryOf(profile.state, calibrationEnd);
      if (!summary) continue;
      yield {
        customerId: profile.profileId,
        ...summary,
        traits: cohortTraitsOf(profile.state, this.deps.cohortTraits),
      };
    }
  }

  async *propensityRows(cutoff: string, horizonDays: number) {
    const at = Date.parse(cutoff);
    for await (const profile of allProfiles(this.deps.scan, this.deps.pageSize ?? TRAINING_PAGE_SIZE)) {
      const events = behaviourEventsOf(profile.profileId, profile.state);
      const features = propensityFeaturesOf(profile.state, at, events);
      if (!features) continue;
      yield {
        profileId: profile.profileId,
        features,
        label: purchasedWithin(events, at, horizonDays),
        traits: cohortTraitsOf(profile.state, this.deps.cohortTraits),
      };
    }
  }
}

const BAND_VALUES: ReadonlySet<string> = new Set<Band>(['low', 'medium', 'high']);

/** Stored bands, keeping only known scores and band values. */
function bandsOf(stored: Readonly<Record<string, string>>): Bands {
  const out: { -readonly [K in keyof Bands]: Bands[K] } = {};
  for (const score of BANDED_SCORES) {
    const v = stored[score];
    if (v !== undefined && BAND_VALUES.has(v)) out[score] = v as Band;
  }
  return out;
}

/** The scorer's view of a profile as of `now`. */
export function scoringProfileOf(profile: StoredProfile, now: Date): ScoringProfile {
  const purchases = purchaseSummaryOf(profile.state, now.toISOString().slice(0, 10));
  const features = propensityFeaturesOf(profile.state, now.getTime());
  return {
    profileId: profile.profileId,
    ...(purchases ? { purchases } : {}),
    ...(features ? { features } : {}),
    ...(profile.scores
      ? { lastScored: { at: profile.scores.at, bands: bandsOf(profile.scores.bands) } }
      : {}),
  };
}

/** ScoringSource over live profiles. */
export class ProfileScoringSource implements ScoringSource {
  constructor(
    private readonly deps: {
      readonly store: Pick<ProfileStore, 'getLiveProfile'> & ProfileScan;
      readonly now: () => Date;
    },
  ) {}

  async get(profileId: string): Promise<ScoringProfile | undefined> {
    const profile = await this.deps.store.getLiveProfile(profileId);
    return profile ? scoringProfileOf(profile, this.deps.now()) : undefined;
  }

  async page(limit: number, cursor?: string): Promise<{ profiles: ScoringProfile[]; cursor?: string }> {
    const page = await this.deps.store.scanLiveProfiles({ limit, ...(cursor ? { cursor } : {}) });
    const now = this.deps.now();
    return {
      profiles: page.profiles.map((p) => scoringProfileOf(p, now)),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    };
  }
}

/** ScoreSink writing `scores` on the profile item. A profile merged or erased meanwhile is skipped. */
export class ProfileScoreSink implements ScoreSink {
  constructor(private readonly writer: ProfileScoreWriter) {}

  async writeScores(profileId: string, scores: Scores, modelVersions: ModelVersions, at: string) {
    const { bands, ...rest } = scores;
    const values: Record<string, number> = {};
    for (const [name, v] of Object.entries(rest))
      if (typeof v === 'number' && Number.isFinite(v)) values[name] = v;
    const versions: Record<string, string> = {};
    for (const [name, v] of Object.entries(modelVersions)) if (typeof v === 'string') versions[name] = v;
    await this.writer.writeScores(profileId, { at, values, bands: { ...bands }, modelVersions: versions });
  }
}
