/** Lambda entry point: wires DynamoDB adapters once per cold start. */
import { randomUUID } from 'node:crypto';
import { DynamoDbEventDayCounter } from '../../shared/adapters/dynamodb/activity-store.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbSourceSeenStore } from '../../shared/adapters/dynamodb/privacy-quality.js';
import { dynamoDbStores, parseStoresEnv } from '../../shared/adapters/dynamodb/wiring.js';
import { loadHasher } from '../../shared/adapters/hash-key.js';
import { countEventsPerDay } from '../../shared/domain/activity/counters.js';
import { trackSourceSeen } from '../../shared/domain/quality/source-seen.js';
import { cachedResolver, resolveWriteKey } from '../../shared/domain/sources.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createIngestHandler } from './app.js';

const env = parseStoresEnv(process.env);
const client = documentClient();
// Partition keys and quarantine fingerprints are keyed hashes; no key, no cold start.
const hasher = await loadHasher(process.env);
const stores = dynamoDbStores(env, hasher, client);
const logger = jsonLogger();

export const handler = createIngestHandler(
  {
    // Freshness for the data-quality report: each source's last receipt, written at most once a minute.
    events: trackSourceSeen(
      // Events per day for the console's overview: one ADD per day a stored batch's events fall on.
      countEventsPerDay(
        stores.events,
        new DynamoDbEventDayCounter({ client, tableName: env.CONTROL_TABLE }),
        {
          onError: (err) => logger.warn('events per day not counted', { errorName: (err as Error)?.name }),
        },
      ),
      new DynamoDbSourceSeenStore({ client, tableName: env.CONTROL_TABLE }),
      { onError: (err) => logger.warn('source freshness not recorded', { errorName: (err as Error)?.name }) },
    ),
    quarantine: stores.quarantine,
    hasher,
    // Revoking a key takes effect within 30 s: resolutions are cached that long per Lambda instance.
    resolveWriteKey: cachedResolver((key) => resolveWriteKey(stores.sources, key), { ttlMs: 30_000 }),
    now: () => new Date(),
    newId: randomUUID,
  },
  logger,
);
