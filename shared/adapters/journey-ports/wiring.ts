/**
 * The journey functions' ports over the real stores, built from a function's environment once per
 * cold start:
 *
 *   PROFILES_TABLE          profiles table                                     decide (read), journey-step (read, UpdateItem)
 *   PROFILES_CONFIG         ProfilesConfig JSON, optional (defaults); the same the projector gets
 *   CONTENT_TABLE           content table (gsi1 query, BatchGet of briefs)     decide
 *   CONTENT_CACHE_SECONDS   how long the approved list is reused, default 60   decide
 */
import * as z from 'zod';
import { parseProfilesConfig } from '../../config/profiles.js';
import type { ProfileReader, ProfileWriter, VariantCatalogue } from '../../ports/journeys.js';
import { documentClient } from '../dynamodb/client.js';
import { DynamoDbContentStore } from '../dynamodb/content-store.js';
import { DynamoDbProfileStore } from '../dynamodb/profile-store.js';
import { ProfileAudienceSource } from './campaign.js';
import { DynamoDbJourneyTraits } from './journey-traits.js';
import { StoreDecisionProfileReader } from './profile-reader.js';
import { ContentVariantCatalogue, DynamoDbBriefSteps } from './variant-catalogue.js';

type Env = Record<string, string | undefined>;
type Client = ReturnType<typeof documentClient>;

/** Environment of a function that reads (and writes journey traits on) profiles. */
export const JourneyProfilesEnv = z.object({
  PROFILES_TABLE: z.string().min(1),
  PROFILES_CONFIG: z.string().optional(),
});

/** Environment of decide: profiles plus the content catalogue. */
export const DecideEnv = JourneyProfilesEnv.extend({
  CONTENT_TABLE: z.string().min(1),
  CONTENT_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
});

/** Parses the environment, failing fast with the names of missing or invalid variables. */
function parseEnv<T extends z.ZodType>(schema: T, env: Env): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ');
    throw new Error(`invalid environment: ${names}`);
  }
  return parsed.data;
}

function profilePorts(env: z.infer<typeof JourneyProfilesEnv>, client: Client) {
  const config = parseProfilesConfig(env.PROFILES_CONFIG);
  const store = new DynamoDbProfileStore({ client, tableName: env.PROFILES_TABLE, config });
  const journeyTraits = new DynamoDbJourneyTraits({ client, tableName: env.PROFILES_TABLE });
  return { reader: new StoreDecisionProfileReader({ store, journeyTraits, config }), journeyTraits };
}

/** ProfileReader and VariantCatalogue for decide. */
export function decidePortsFromEnv(
  env: Env,
  client: Client = documentClient(),
): { profiles: ProfileReader; variants: VariantCatalogue } {
  const e = parseEnv(DecideEnv, env);
  return {
    profiles: profilePorts(e, client).reader,
    variants: new ContentVariantCatalogue({
      store: new DynamoDbContentStore({ client, tableName: e.CONTENT_TABLE }),
      briefs: new DynamoDbBriefSteps({ client, tableName: e.CONTENT_TABLE }),
      ttlMs: e.CONTENT_CACHE_SECONDS * 1000,
    }),
  };
}

/** ProfileReader and ProfileWriter for journey-step. */
export function journeyStepPortsFromEnv(
  env: Env,
  client: Client = documentClient(),
): { profiles: ProfileReader; profileWriter: ProfileWriter } {
  const { reader, journeyTraits } = profilePorts(parseEnv(JourneyProfilesEnv, env), client);
  return { profiles: reader, profileWriter: journeyTraits };
}

/** The audience source of the campaign-run function (reads profiles and journey traits). */
export function audienceSourceFromEnv(env: Env, client: Client = documentClient()): ProfileAudienceSource {
  const e = parseEnv(JourneyProfilesEnv, env);
  const config = parseProfilesConfig(e.PROFILES_CONFIG);
  return new ProfileAudienceSource({
    scan: new DynamoDbProfileStore({ client, tableName: e.PROFILES_TABLE, config }),
    journeyTraits: new DynamoDbJourneyTraits({ client, tableName: e.PROFILES_TABLE }),
    config,
  });
}

/**
 * The fairness cohort of a person for start-journey: each configured cohort trait's value from the
 * decision profile (declared traits; contact data never), `unknown` when absent.
 */
export function cohortSourceFromEnv(
  env: Env,
  cohortTraits: readonly string[],
  client: Client = documentClient(),
): { of(profileId: string): Promise<Record<string, string>> } {
  const { reader } = profilePorts(parseEnv(JourneyProfilesEnv, env), client);
  return {
    of: async (profileId) => {
      const traits = (await reader.get(profileId))?.traits ?? {};
      return Object.fromEntries(
        cohortTraits.map((t) => {
          const v = traits[t];
          return [
            t,
            typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
              ? String(v).slice(0, 64)
              : 'unknown',
          ];
        }),
      );
    },
  };
}
