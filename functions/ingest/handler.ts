/** Lambda entry point: wires DynamoDB adapters once per cold start. */
import { randomUUID } from 'node:crypto';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbEventLanding } from '../../shared/adapters/dynamodb/event-landing.js';
import { dynamoDbStores, parseStoresEnv } from '../../shared/adapters/dynamodb/wiring.js';
import { loadHasher } from '../../shared/adapters/hash-key.js';
import { cachedResolver, resolveWriteKey } from '../../shared/domain/sources.js';
import { createIngestHandler } from './app.js';
import { countedEventStore } from './stores.js';

const env = parseStoresEnv(process.env);
const client = documentClient();
// Partition keys and quarantine fingerprints are keyed hashes; no key, no cold start.
const hasher = await loadHasher(process.env);
const stores = dynamoDbStores(env, hasher, client);
const logger = lambdaLogger();

const app = createIngestHandler(
  {
    events: countedEventStore(stores.events, env, client, logger),
    // Large batches land in a few items; the ingest-fan-out function stores them (and counts them).
    landing: new DynamoDbEventLanding({
      client,
      tableName: env.EVENTS_TABLE,
      retentionDays: env.RETENTION_DAYS,
    }),
    quarantine: stores.quarantine,
    hasher,
    // Revoking a key takes effect within 30 s: resolutions are cached that long per Lambda instance.
    resolveWriteKey: cachedResolver((key) => resolveWriteKey(stores.sources, key), { ttlMs: 30_000 }),
    now: () => new Date(),
    newId: randomUUID,
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
