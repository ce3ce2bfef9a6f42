/**
 * Lambda entry point. Env: PROFILES_TABLE, PROFILES_CONFIG (optional), JOURNEYS_CONFIG (optional),
 * EVENT_BUS_NAME (default feltfit), JOURNEYS_TABLE (optional: each page's members for the run's
 * progress).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { DynamoDbRunStore } from '../../shared/adapters/dynamodb/campaign-store.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { EventBridgeCampaignEvents } from '../../shared/adapters/journey-ports/campaign.js';
import { audienceSourceFromEnv } from '../../shared/adapters/journey-ports/wiring.js';
import { parseJourneysConfigEnv } from '../../shared/config/journeys.js';
import { createCampaignRunHandler } from './app.js';

const config = parseJourneysConfigEnv(process.env);

const logger = lambdaLogger();
const app = createCampaignRunHandler(
  {
    journeys: config.journeys,
    audience: audienceSourceFromEnv(process.env),
    events: new EventBridgeCampaignEvents({
      client: awsClient(EventBridgeClient, 'eventbridge'),
      busName: process.env.EVENT_BUS_NAME ?? 'feltfit',
    }),
    ...(process.env.JOURNEYS_TABLE
      ? { members: new DynamoDbRunStore({ client: documentClient(), tableName: process.env.JOURNEYS_TABLE }) }
      : {}),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
