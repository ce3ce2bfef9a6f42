/**
 * Lambda entry point. Env: JOURNEYS_TABLE, JOURNEY_STATE_MACHINES (JSON map journey id → state
 * machine ARN), JOURNEYS_CONFIG (JSON, optional → defaults); with fairness cohorts configured
 * (MEASUREMENT_CONFIG.fairness.cohortTraits) also PROFILES_TABLE and PROFILES_CONFIG. A journey paused in
 * the console (`JOURNEY#<id>`/`STATE` on the journeys table) starts no new executions.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbJourneyPauses } from '../../shared/adapters/dynamodb/journey-pauses.js';
import { journeyStores, journeysTableName } from '../../shared/adapters/dynamodb/journey-wiring.js';
import { cohortSourceFromEnv } from '../../shared/adapters/journey-ports/wiring.js';
import { parseStateMachinesEnv } from '../../shared/adapters/sfn/env.js';
import { StepFunctionsJourneyRunner } from '../../shared/adapters/sfn/journey-runner.js';
import { parseJourneysConfigEnv } from '../../shared/config/journeys.js';
import { parseMeasurementConfigEnv } from '../../shared/config/measurement.js';
import { cachedPauseCheck, PAUSE_CACHE_MS } from '../../shared/domain/journeys/admin.js';
import { createStartJourneyHandler } from './app.js';

const config = parseJourneysConfigEnv(process.env);
const client = documentClient();
const stores = journeyStores(journeysTableName(process.env), config, client);
// Paused journeys (the console's pause) start nothing new; the flag is re-read every few seconds.
const pauses = cachedPauseCheck(
  new DynamoDbJourneyPauses({
    client,
    tableName: journeysTableName(process.env),
    retentionDays: config.auditRetentionDays,
  }),
  PAUSE_CACHE_MS,
);
// Fairness cohorts are read only when configured (the function then also reads profiles).
const cohortTraits = parseMeasurementConfigEnv(process.env).fairness.cohortTraits;

const logger = lambdaLogger();
const app = createStartJourneyHandler(
  {
    journeys: config.journeys,
    stateMachines: parseStateMachinesEnv(process.env, config.journeys),
    control: config.experiments.globalControl,
    runner: new StepFunctionsJourneyRunner(awsClient(SFNClient, 'sfn')),
    assignments: stores.assignments,
    now: () => new Date(),
    pauses,
    ...(cohortTraits.length > 0 ? { cohorts: cohortSourceFromEnv(process.env, cohortTraits) } : {}),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
