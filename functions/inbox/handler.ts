/** Lambda entry point of the inbox function. */

import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbInboxStore } from '../../shared/adapters/dynamodb/message-inbox.js';
import { parseMessagesEnv } from '../../shared/adapters/dynamodb/message-wiring.js';
import { loadSecret } from '../../shared/adapters/outbox/channel-wiring.js';
import { channelsConfigFromEnv } from '../../shared/config/channels.js';
import { createInboxHandler } from './app.js';

const env = parseMessagesEnv(process.env);
const config = channelsConfigFromEnv(process.env);

const logger = lambdaLogger();
const app = createInboxHandler(
  {
    inbox: new DynamoDbInboxStore({
      client: documentClient(),
      tableName: env.MESSAGES_TABLE,
      retentionDays: config.inbox.retentionDays,
    }),
    secret: await loadSecret('INBOX_SECRET', process.env),
    now: () => new Date(),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
