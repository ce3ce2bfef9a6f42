/**
 * Lambda entry point. Env: JOURNEYS_TABLE, JOURNEYS_CONFIG (JSON, optional), MESSAGES_TABLE (the
 * per-person message log, optional), plus what the wired ports need.
 */

import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { DynamoDbMessageOutcomeLog } from '../../shared/adapters/dynamodb/activity-store.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { journeyStores, journeysTableName } from '../../shared/adapters/dynamodb/journey-wiring.js';
import { DynamoDbMessageLog, fanOutOutcomes } from '../../shared/adapters/dynamodb/message-log.js';
import { parseJourneysConfigEnv } from '../../shared/config/journeys.js';
import { MESSAGE_LOG_RETENTION_DAYS } from '../../shared/domain/channels/message-log.js';
import { createDecideHandler } from './app.js';
import { decidePorts } from './ports.js';

const config = parseJourneysConfigEnv(process.env);
const stores = journeyStores(journeysTableName(process.env), config);
const ports = decidePorts(process.env);
const logger = lambdaLogger();

const app = createDecideHandler(
  {
    profiles: ports.profiles,
    variants: ports.variants,
    bandit: stores.bandit,
    decisions: stores.decisions,
    random: Math.random,
    config: config.decide,
    // A step without approved content is logged for the person and counted (messages table).
    ...(process.env.MESSAGES_TABLE
      ? {
          outcomes: fanOutOutcomes(
            new DynamoDbMessageOutcomeLog({
              client: documentClient(),
              tableName: process.env.MESSAGES_TABLE,
              retentionDays: config.retentionDays,
            }),
            // The delivery log (Messages page) lists it too.
            new DynamoDbMessageLog({
              client: documentClient(),
              tableName: process.env.MESSAGES_TABLE,
              retentionDays: MESSAGE_LOG_RETENTION_DAYS,
            }),
          ),
          onOutcomeError: (err: unknown) =>
            logger.warn('message outcome not logged', { errorName: (err as Error)?.name }),
        }
      : {}),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
