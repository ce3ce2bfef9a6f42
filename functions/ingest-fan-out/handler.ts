/** Lambda entry point of the ingest fan-out: wires DynamoDB adapters once per cold start. */

import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbEventLanding } from '../../shared/adapters/dynamodb/event-landing.js';
import { dynamoDbStores, parseStoresEnv } from '../../shared/adapters/dynamodb/wiring.js';
import { loadHasher } from '../../shared/adapters/hash-key.js';
import { createFanOutHandler } from '../ingest/fan-out.js';
import { countedEventStore } from '../ingest/stores.js';

const env = parseStoresEnv(process.env);
const client = documentClient();
// Events are keyed by the keyed hash of the person: no key, no cold start.
const hasher = await loadHasher(process.env);
const logger = lambdaLogger();

const app = createFanOutHandler(
  {
    events: countedEventStore(dynamoDbStores(env, hasher, client).events, env, client, logger),
    landing: new DynamoDbEventLanding({
      client,
      tableName: env.EVENTS_TABLE,
      retentionDays: env.RETENTION_DAYS,
    }),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
