/**
 * Lambda entry point. Env: JOURNEYS_TABLE, JOURNEY_STATE_MACHINES (JSON map journey id → state
 * machine ARN), JOURNEYS_CONFIG (JSON, optional → defaults).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { journeyStores, journeysTableName } from '../../shared/adapters/dynamodb/journey-wiring.js';
import { parseStateMachinesEnv } from '../../shared/adapters/sfn/env.js';
import { StepFunctionsJourneyRunner } from '../../shared/adapters/sfn/journey-runner.js';
import { parseJourneysConfigEnv } from '../../shared/config/journeys.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createStartJourneyHandler } from './app.js';

const config = parseJourneysConfigEnv(process.env);
const stores = journeyStores(journeysTableName(process.env), config);

export const handler = createStartJourneyHandler(
  {
    journeys: config.journeys,
    stateMachines: parseStateMachinesEnv(process.env, config.journeys),
    control: config.experiments.globalControl,
    runner: new StepFunctionsJourneyRunner(new SFNClient({})),
    assignments: stores.assignments,
    now: () => new Date(),
  },
  jsonLogger('start-journey'),
);
