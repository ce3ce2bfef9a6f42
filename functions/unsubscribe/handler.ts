/**
 * Lambda entry point of the unsubscribe function. Withdrawals become consent events on the events table
 * (env EVENTS_TABLE, PROFILES_TABLE, PROFILES_CONFIG optional, RETENTION_DAYS optional), which the
 * profile projector applies; the use case also writes the suppression entry. The preference page reads
 * the person's consent from the profiles table.
 */

import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbSuppressionList } from '../../shared/adapters/dynamodb/message-suppression.js';
import { parseMessagesEnv } from '../../shared/adapters/dynamodb/message-wiring.js';
import { loadHasher } from '../../shared/adapters/hash-key.js';
import { loadSecret } from '../../shared/adapters/outbox/channel-wiring.js';
import {
  profileConsentRecorderFromEnv,
  profileRecipientSourceFromEnv,
} from '../../shared/adapters/profiles/wiring.js';
import { createUnsubscribeHandler } from './app.js';

const env = parseMessagesEnv(process.env);
const client = documentClient();

const logger = lambdaLogger();
const app = createUnsubscribeHandler(
  {
    // Consent events are stored under the keyed hash of the person's id.
    consent: profileConsentRecorderFromEnv(process.env, await loadHasher(process.env), client),
    recipients: profileRecipientSourceFromEnv(process.env, client),
    suppressions: new DynamoDbSuppressionList({ client, tableName: env.MESSAGES_TABLE }),
    secret: await loadSecret('UNSUBSCRIBE_SECRET', process.env),
    now: () => new Date(),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
