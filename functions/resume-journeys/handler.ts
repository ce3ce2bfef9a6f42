/** Lambda entry point. Env: JOURNEYS_TABLE, JOURNEYS_CONFIG (JSON, optional; retention). */
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { journeyStores, journeysTableName } from '../../shared/adapters/dynamodb/journey-wiring.js';
import { StepFunctionsJourneyRunner } from '../../shared/adapters/sfn/journey-runner.js';
import { parseJourneysConfigEnv } from '../../shared/config/journeys.js';
import { awaitedEvents } from '../../shared/domain/journeys/triggers.js';
import { createResumeJourneysHandler } from './app.js';

const config = parseJourneysConfigEnv(process.env);
const stores = journeyStores(journeysTableName(process.env), config);

const logger = lambdaLogger();
const app = createResumeJourneysHandler(
  {
    occurrences: stores.occurrences,
    tokens: stores.tokens,
    runner: new StepFunctionsJourneyRunner(awsClient(SFNClient, 'sfn')),
    aliases: stores.aliases,
    awaitedEvents: awaitedEvents(config.journeys),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
