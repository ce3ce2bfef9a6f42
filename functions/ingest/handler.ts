/** Lambda entry point: wires DynamoDB adapters once per cold start. */
import { randomUUID } from 'node:crypto';
import { dynamoDbStores, parseStoresEnv } from '../../shared/adapters/dynamodb/wiring.js';
import { cachedResolver, resolveWriteKey } from '../../shared/domain/sources.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createIngestHandler } from './app.js';

const stores = dynamoDbStores(parseStoresEnv(process.env));

export const handler = createIngestHandler(
  {
    events: stores.events,
    quarantine: stores.quarantine,
    // Revoking a key takes effect within 30 s: resolutions are cached that long per Lambda instance.
    resolveWriteKey: cachedResolver((key) => resolveWriteKey(stores.sources, key), { ttlMs: 30_000 }),
    now: () => new Date(),
    newId: randomUUID,
  },
  jsonLogger(),
);
