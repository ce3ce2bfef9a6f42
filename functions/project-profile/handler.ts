/** Lambda entry point: wires the profile store, raw-event eraser and EventBridge once per cold start. */
import { z } from 'zod';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbRawEventEraser } from '../../shared/adapters/dynamodb/profile-raw-events.js';
import { DynamoDbProfileStore } from '../../shared/adapters/dynamodb/profile-store.js';
import { EventBridgeDomainEvents } from '../../shared/adapters/eventbridge/domain-events.js';
import { parseProfilesConfig } from '../../shared/config/profiles.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createProjectProfileHandler } from './app.js';

/** Environment of the projector. */
export const ProjectorEnv = z.object({
  EVENTS_TABLE: z.string().min(1),
  PROFILES_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  PROFILES_CONFIG: z.string().optional(),
  /** Optional secret for HMAC hashing of identifiers (set it before the first event; changing it orphans the index). */
  IDENTITY_HMAC_KEY: z.string().min(16).optional(),
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

export const handler = createProjectProfileHandler(
  {
    store: new DynamoDbProfileStore({
      client,
      tableName: env.PROFILES_TABLE,
      config,
      ...(env.IDENTITY_HMAC_KEY ? { hmacKey: env.IDENTITY_HMAC_KEY } : {}),
    }),
    eraser: new DynamoDbRawEventEraser({ client, tableName: env.EVENTS_TABLE }),
    events: new EventBridgeDomainEvents({ eventBusName: env.EVENT_BUS_NAME }),
    config,
    now: () => new Date(),
  },
  jsonLogger('project-profile'),
);
