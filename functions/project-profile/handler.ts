/**
 * Lambda entry point: wires the profile store and raw-event eraser once per cold start. It publishes
 * nothing: domain events go to the profile items' outbox, published from the profiles table's stream.
 */
import * as z from 'zod';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbRawEventEraser } from '../../shared/adapters/dynamodb/profile-raw-events.js';
import { DynamoDbProfileStore } from '../../shared/adapters/dynamodb/profile-store.js';
import { loadHasher } from '../../shared/adapters/hash-key.js';
import { parseProfilesConfig } from '../../shared/config/profiles.js';
import { createProjectProfileHandler } from './app.js';

/** Environment of the projector. */
export const ProjectorEnv = z.object({
  EVENTS_TABLE: z.string().min(1),
  PROFILES_TABLE: z.string().min(1),
  PROFILES_CONFIG: z.string().optional(),
});

function parseEnv(env: Record<string, string | undefined>) {
  const parsed = ProjectorEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  return parsed.data;
}

const env = parseEnv(process.env);
const config = parseProfilesConfig(env.PROFILES_CONFIG);
const client = documentClient();
// The identity index is keyed by the keyed hash of each identifier (IDENTITY_HMAC_KEY_ARN): no key, no cold start.
const hasher = await loadHasher(process.env);

const logger = lambdaLogger();
const app = createProjectProfileHandler(
  {
    store: new DynamoDbProfileStore({
      client,
      tableName: env.PROFILES_TABLE,
      config,
      hasher,
    }),
    eraser: new DynamoDbRawEventEraser({ client, tableName: env.EVENTS_TABLE }),
    config,
    hasher,
    now: () => new Date(),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
