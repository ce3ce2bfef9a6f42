/** Lambda entry point. Env: JOURNEYS_TABLE, JOURNEYS_CONFIG (JSON, optional; retention). */
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { journeyStores, journeysTableName } from '../../shared/adapters/dynamodb/journey-wiring.js';
import { StepFunctionsJourneyRunner } from '../../shared/adapters/sfn/journey-runner.js';
import { parseJourneysConfigEnv } from '../../shared/config/journeys.js';
import { awaitedEvents } from '../../shared/domain/journeys/triggers.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createResumeJourneysHandler } from './app.js';

const config = parseJourneysConfigEnv(process.env);
const stores = journeyStores(journeysTableName(process.env), config);

export const handler = createResumeJourneysHandler(
  {
    occurrences: stores.occurrences,
    tokens: stores.tokens,
    runner: new StepFunctionsJourneyRunner(awsClient(SFNClient, 'sfn')),
    aliases: stores.aliases,
    awaitedEvents: awaitedEvents(config.journeys),
  },
  jsonLogger('resume-journeys'),
);
