/**
 * Lambda entry point: wires the registry, SageMaker endpoints, EventBridge and the profiles layer once
 * per cold start. Env: MODELS_TABLE, MODELS_CONFIG (JSON, optional), EVENT_BUS_NAME (default feltfit),
 * plus what the profiles adapters need.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { modelRegistryFromEnv } from '../../shared/adapters/dynamodb/model-wiring.js';
import { sageMakerWrappers } from '../../shared/adapters/sagemaker/wiring.js';
import { parseModelsConfigEnv } from '../../shared/config/models.js';
import { cachedModelLoader } from '../../shared/domain/models/scoring.js';
import { createScoreProfilesHandler } from './app.js';
import { scoringProfiles } from './profiles.js';
import { EventBridgeScoreEvents } from './score-events.js';

const config = parseModelsConfigEnv(process.env);
const logger = lambdaLogger();
const registry = modelRegistryFromEnv(process.env);
const profiles = scoringProfiles(process.env);
const now = () => new Date();

const app = createScoreProfilesHandler(
  {
    models: cachedModelLoader(registry, {
      ttlMs: config.scoring.modelCacheSeconds * 1000,
      now,
      wrappers: sageMakerWrappers(config, logger),
    }),
    source: profiles.source,
    sink: profiles.sink,
    events: new EventBridgeScoreEvents({
      client: awsClient(EventBridgeClient, 'eventbridge'),
      busName: process.env.EVENT_BUS_NAME ?? 'feltfit',
    }),
    now,
    config,
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
