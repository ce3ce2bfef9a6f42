/**
 * Lambda entry point: wires the registry and the profiles layer's TrainingData once per cold start.
 * Env: MODELS_TABLE, MODELS_CONFIG (JSON, optional), plus what the profiles adapter needs.
 */
import { randomBytes } from 'node:crypto';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { modelRegistryFromEnv } from '../../shared/adapters/dynamodb/model-wiring.js';
import { parseModelsConfigEnv } from '../../shared/config/models.js';
import { createTrainModelsHandler } from './app.js';
import { trainingData } from './profiles.js';

const config = parseModelsConfigEnv(process.env);

const logger = lambdaLogger();
const app = createTrainModelsHandler(
  {
    data: trainingData(process.env),
    registry: modelRegistryFromEnv(process.env),
    now: () => new Date(),
    randomHex: () => randomBytes(2).toString('hex'),
  },
  config,
  logger,
);

export const handler = withLambdaLogging(logger, app);
