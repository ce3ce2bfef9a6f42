/** Lambda entry point of the unsubscribe function. */
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbSuppressionList } from '../../shared/adapters/dynamodb/message-suppression.js';
import { parseMessagesEnv } from '../../shared/adapters/dynamodb/message-wiring.js';
import { loadSecret, suppressionOnlyConsentRecorder } from '../../shared/adapters/outbox/channel-wiring.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createUnsubscribeHandler } from './app.js';

const env = parseMessagesEnv(process.env);

export const handler = createUnsubscribeHandler(
  {
    // The lead replaces this with the profiles-backed ConsentRecorder.
    consent: suppressionOnlyConsentRecorder,
    suppressions: new DynamoDbSuppressionList({ client: documentClient(), tableName: env.MESSAGES_TABLE }),
    secret: await loadSecret('UNSUBSCRIBE_SECRET', process.env),
    now: () => new Date(),
  },
  jsonLogger(),
);
