/** Lambda entry point: wires DynamoDB adapters once per cold start. */
import { dynamoDbStores, parseStoresEnv } from '../../shared/adapters/dynamodb/wiring.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createAdminHandler } from './app.js';

const stores = dynamoDbStores(parseStoresEnv(process.env));

export const handler = createAdminHandler(
  { events: stores.events, quarantine: stores.quarantine },
  jsonLogger(),
);
