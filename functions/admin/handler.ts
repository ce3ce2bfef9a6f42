/** Lambda entry point: wires DynamoDB adapters once per cold start. */
import * as z from 'zod/mini';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { laterLayerHolders } from '../../shared/adapters/dynamodb/privacy-scan-holder.js';
import { dynamoDbPrivacyDeps } from '../../shared/adapters/dynamodb/privacy-wiring.js';
import { dynamoDbStores, parseStoresEnv } from '../../shared/adapters/dynamodb/wiring.js';
import { listOutbox } from '../../shared/adapters/outbox/outbox.js';
import { parsePrivacyConfig } from '../../shared/config/privacy.js';
import { parseProfilesConfig } from '../../shared/config/profiles.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createAdminHandler } from './app.js';

/** Variables of the privacy routes, beyond EVENTS_TABLE / CONTROL_TABLE / RETENTION_DAYS. */
const PrivacyEnv = z.object({
  /** Without it the privacy and quality routes answer 404 (a stack that has not wired them yet). */
  PROFILES_TABLE: z.optional(z.string().check(z.minLength(1))),
  /** The projector's: identifiers are normalised and hashed the same way. */
  PROFILES_CONFIG: z.optional(z.string()),
  IDENTITY_HMAC_KEY: z.optional(z.string().check(z.minLength(16))),
  PRIVACY_CONFIG: z.optional(z.string()),
  /** Later layers whose items name the person: erased and exported with them when set. */
  MESSAGES_TABLE: z.optional(z.string().check(z.minLength(1))),
  JOURNEYS_TABLE: z.optional(z.string().check(z.minLength(1))),
  /** Set by the local runtime: the folder the channels write to instead of SES/SNS. */
  OUTBOX_DIR: z.optional(z.string().check(z.minLength(1))),
});

function parsePrivacyEnv(env: Record<string, string | undefined>) {
  const parsed = PrivacyEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  return parsed.data;
}

const storesEnv = parseStoresEnv(process.env);
const privacyEnv = parsePrivacyEnv(process.env);
const client = documentClient();
const stores = dynamoDbStores(storesEnv, client);

export const handler = createAdminHandler(
  {
    events: stores.events,
    quarantine: stores.quarantine,
    ...(privacyEnv.OUTBOX_DIR
      ? { outbox: { list: (limit: number) => listOutbox(privacyEnv.OUTBOX_DIR!, { limit }) } }
      : {}),
    ...(privacyEnv.PROFILES_TABLE
      ? {
          privacy: dynamoDbPrivacyDeps({
            client,
            tables: {
              profiles: privacyEnv.PROFILES_TABLE,
              events: storesEnv.EVENTS_TABLE,
              control: storesEnv.CONTROL_TABLE,
            },
            extraHolders: laterLayerHolders(client, {
              messages: privacyEnv.MESSAGES_TABLE,
              journeys: privacyEnv.JOURNEYS_TABLE,
            }),
            profilesConfig: parseProfilesConfig(privacyEnv.PROFILES_CONFIG),
            privacyConfig: parsePrivacyConfig(privacyEnv.PRIVACY_CONFIG),
            retentionDays: storesEnv.RETENTION_DAYS,
            ...(privacyEnv.IDENTITY_HMAC_KEY ? { hmacKey: privacyEnv.IDENTITY_HMAC_KEY } : {}),
          }),
        }
      : {}),
  },
  jsonLogger(),
);
