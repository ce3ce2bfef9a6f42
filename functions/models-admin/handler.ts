/**
 * Lambda entry point of models-admin: the registry (MODELS_TABLE, read) and the bus "train now"
 * requests go on (EVENT_BUS_NAME), wired once per cold start.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { modelRegistryFromEnv } from '../../shared/adapters/dynamodb/model-wiring.js';
import { EventBridgeTrainingRequests } from '../../shared/adapters/eventbridge/training-requests.js';
import { createModelsAdminHandler } from './app.js';

const env = z.object({ EVENT_BUS_NAME: z.string().min(1) }).parse(process.env);

const logger = lambdaLogger();
const app = createModelsAdminHandler(
  {
    registry: modelRegistryFromEnv(process.env),
    training: {
      requests: new EventBridgeTrainingRequests({
        client: awsClient(EventBridgeClient, 'eventbridge'),
        eventBusName: env.EVENT_BUS_NAME,
      }),
      now: () => new Date(),
      newId: () => randomUUID(),
    },
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
