/**
 * Lambda entry point of journeys-admin. Env: JOURNEYS_TABLE, MESSAGES_TABLE, JOURNEY_STATE_MACHINES
 * (JSON map journey id → state machine ARN), JOURNEYS_CONFIG (optional → defaults).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbJourneyPauses } from '../../shared/adapters/dynamodb/journey-pauses.js';
import { journeysTableName } from '../../shared/adapters/dynamodb/journey-wiring.js';
import { DynamoDbMeasurementStore } from '../../shared/adapters/dynamodb/measurement-store.js';
import { DynamoDbMessageLog } from '../../shared/adapters/dynamodb/message-log.js';
import { parseStateMachinesEnv } from '../../shared/adapters/sfn/env.js';
import { StepFunctionsJourneyExecutions } from '../../shared/adapters/sfn/journey-executions.js';
import { parseJourneysConfigEnv } from '../../shared/config/journeys.js';
import { MESSAGE_LOG_RETENTION_DAYS } from '../../shared/domain/channels/message-log.js';
import { createJourneysAdminHandler } from './app.js';

const Env = z.object({ MESSAGES_TABLE: z.string().min(1) });
const parsed = Env.safeParse(process.env);
if (!parsed.success)
  throw new Error(`invalid environment: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
const env = parsed.data;

const config = parseJourneysConfigEnv(process.env);
const client = documentClient();
const tableName = journeysTableName(process.env);
const measurement = new DynamoDbMeasurementStore({
  client,
  tableName,
  retentionDays: config.auditRetentionDays,
});

const logger = lambdaLogger();
const app = createJourneysAdminHandler(
  {
    journeys: config.journeys,
    stateMachines: parseStateMachinesEnv(process.env, config.journeys),
    executions: new StepFunctionsJourneyExecutions(awsClient(SFNClient, 'sfn')),
    counters: {
      arms: async (journey) => (await measurement.journeyCounters(journey)).arms,
    },
    people: {
      entries: (profileId) => measurement.forProfile(profileId, '1970-01-01T00:00:00.000Z'),
    },
    pauses: new DynamoDbJourneyPauses({ client, tableName, retentionDays: config.auditRetentionDays }),
    messages: new DynamoDbMessageLog({
      client,
      tableName: env.MESSAGES_TABLE,
      retentionDays: MESSAGE_LOG_RETENTION_DAYS,
    }),
    now: () => new Date(),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
