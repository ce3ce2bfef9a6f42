/**
 * Lambda entry point of the privacy-job state machine's task. Env: PROFILES_TABLE, EVENTS_TABLE,
 * CONTROL_TABLE, MESSAGES_TABLE / JOURNEYS_TABLE (optional: their holders), PROFILES_CONFIG,
 * PRIVACY_CONFIG, and the projector's hash key (IDENTITY_HMAC_KEY or its secret).
 */
import * as z from 'zod/mini';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { laterLayerHolders } from '../../shared/adapters/dynamodb/privacy-indexed-holder.js';
import { dynamoDbPrivacyJobDeps } from '../../shared/adapters/dynamodb/privacy-job-wiring.js';
import { dynamoDbPrivacyDeps } from '../../shared/adapters/dynamodb/privacy-wiring.js';
import { loadHasher } from '../../shared/adapters/hash-key.js';
import { parsePrivacyConfig } from '../../shared/config/privacy.js';
import { parseProfilesConfig } from '../../shared/config/profiles.js';
import { createPrivacyJobHandler } from './app.js';

const table = z.string().check(z.minLength(1));
const Env = z.object({
  PROFILES_TABLE: table,
  EVENTS_TABLE: table,
  CONTROL_TABLE: table,
  MESSAGES_TABLE: z.optional(table),
  JOURNEYS_TABLE: z.optional(table),
  PROFILES_CONFIG: z.optional(z.string()),
  PRIVACY_CONFIG: z.optional(z.string()),
});

const parsed = Env.safeParse(process.env);
if (!parsed.success)
  throw new Error(`invalid environment: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
const env = parsed.data;
const client = documentClient();
const privacy = dynamoDbPrivacyDeps({
  client,
  tables: { profiles: env.PROFILES_TABLE, events: env.EVENTS_TABLE, control: env.CONTROL_TABLE },
  extraHolders: laterLayerHolders(client, { messages: env.MESSAGES_TABLE, journeys: env.JOURNEYS_TABLE }),
  profilesConfig: parseProfilesConfig(env.PROFILES_CONFIG),
  privacyConfig: parsePrivacyConfig(env.PRIVACY_CONFIG),
  hasher: await loadHasher(process.env),
});

const logger = lambdaLogger();
const app = createPrivacyJobHandler(dynamoDbPrivacyJobDeps(privacy, client, env.CONTROL_TABLE), logger);

export const handler = withLambdaLogging(logger, app);
