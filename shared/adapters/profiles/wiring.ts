/**
 * Builds the profiles-backed adapters other contexts use, from a function's environment, once per
 * cold start:
 *   PROFILES_TABLE    profiles table (read; the scorer also writes `scores`)       — all
 *   PROFILES_CONFIG   ProfilesConfig JSON, optional (defaults)                      — all
 *   EVENTS_TABLE      events table (the consent recorder appends consent events)   — consent recorder
 *   RETENTION_DAYS    raw-event retention, default 400 (same as ingest)             — consent recorder
 */
import * as z from 'zod';
import { parseProfilesConfig } from '../../config/profiles.js';
import type { KeyedHasher } from '../../domain/privacy/keyed-hash.js';
import type { ConsentRecorder, RecipientSource } from '../../ports/channels.js';
import type { ScoreSink, ScoringSource, TrainingData } from '../../ports/models.js';
import { documentClient } from '../dynamodb/client.js';
import { DynamoDbEventStore } from '../dynamodb/event-store.js';
import { DynamoDbProfileStore } from '../dynamodb/profile-store.js';
import { ProfileConsentRecorder } from './consent-recorder.js';
import { ProfileScoreSink, ProfileScoringSource, ProfileTrainingData } from './model-data.js';
import { ProfileRecipientSource } from './recipient-source.js';

type Env = Record<string, string | undefined>;
type Client = ReturnType<typeof documentClient>;

/** Environment of a function that reads profiles. */
export const ProfilesReadEnv = z.object({
  PROFILES_TABLE: z.string().min(1),
  PROFILES_CONFIG: z.string().optional(),
});

/** Environment of a function that records consent withdrawals. */
export const ConsentWriteEnv = ProfilesReadEnv.extend({
  EVENTS_TABLE: z.string().min(1),
  RETENTION_DAYS: z.coerce.number().int().positive().default(400),
});

function parse<T extends z.ZodType>(schema: T, env: Env): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ');
    throw new Error(`invalid environment: ${names}`);
  }
  return parsed.data;
}

/** The profile store from PROFILES_TABLE (and PROFILES_CONFIG); identifier operations need `hasher`. */
export function profileStore(env: Env, client: Client, hasher?: KeyedHasher) {
  const e = parse(ProfilesReadEnv, env);
  const config = parseProfilesConfig(e.PROFILES_CONFIG);
  return {
    store: new DynamoDbProfileStore({
      client,
      tableName: e.PROFILES_TABLE,
      config,
      ...(hasher ? { hasher } : {}),
    }),
    config,
  };
}

/** RecipientSource for the send function. */
export function profileRecipientSourceFromEnv(env: Env, client: Client = documentClient()): RecipientSource {
  return new ProfileRecipientSource(profileStore(env, client).store);
}

/** ConsentRecorder for the unsubscribe and provider-feedback functions; `hasher` keys the consent events. */
export function profileConsentRecorderFromEnv(
  env: Env,
  hasher: KeyedHasher,
  client: Client = documentClient(),
): ConsentRecorder {
  const e = parse(ConsentWriteEnv, env);
  const { store, config } = profileStore(env, client, hasher);
  return new ProfileConsentRecorder({
    profiles: store,
    events: new DynamoDbEventStore({
      client,
      tableName: e.EVENTS_TABLE,
      retentionDays: e.RETENTION_DAYS,
      hasher,
    }),
    config,
  });
}

/** TrainingData for the trainer; rows carry the `cohortTraits` only. */
export function profileTrainingDataFromEnv(
  env: Env,
  cohortTraits: readonly string[],
  client: Client = documentClient(),
): TrainingData {
  return new ProfileTrainingData({ scan: profileStore(env, client).store, cohortTraits });
}

/** ScoringSource and ScoreSink for the scorer. */
export function profileScoringFromEnv(
  env: Env,
  now: () => Date = () => new Date(),
  client: Client = documentClient(),
): { source: ScoringSource; sink: ScoreSink } {
  const { store } = profileStore(env, client);
  return { source: new ProfileScoringSource({ store, now }), sink: new ProfileScoreSink(store) };
}
