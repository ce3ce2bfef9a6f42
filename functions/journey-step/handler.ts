/** Lambda entry point. Env: JOURNEYS_TABLE, JOURNEYS_CONFIG (JSON, optional), plus what the wired ports need. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { journeyStores, journeysTableName } from '../../shared/adapters/dynamodb/journey-wiring.js';
import { StepFunctionsJourneyRunner } from '../../shared/adapters/sfn/journey-runner.js';
import { parseJourneysConfigEnv } from '../../shared/config/journeys.js';
import { createJourneyStepHandler } from './app.js';
import { journeyStepPorts } from './ports.js';

const config = parseJourneysConfigEnv(process.env);
const stores = journeyStores(journeysTableName(process.env), config);
const ports = journeyStepPorts(process.env);

const logger = lambdaLogger();
const app = createJourneyStepHandler(
  {
    tokens: stores.tokens,
    occurrences: stores.occurrences,
    runner: new StepFunctionsJourneyRunner(awsClient(SFNClient, 'sfn')),
    profiles: ports.profiles,
    profileWriter: ports.profileWriter,
    bandit: stores.bandit,
    aliases: stores.aliases,
    sendTime: { holdout: config.experiments.sendTime, assignments: stores.assignments },
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
