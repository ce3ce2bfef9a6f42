/** Lambda entry point: wires the content adapters once per cold start (see shared/adapters/bedrock/wiring.ts). */
import { randomUUID } from 'node:crypto';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { contentAdapters, parseContentEnv } from '../../shared/adapters/bedrock/wiring.js';
import { createGenerateHandler } from './app.js';

const adapters = contentAdapters(parseContentEnv(process.env));

const logger = lambdaLogger();
const app = createGenerateHandler(
  {
    config: adapters.config,
    generator: adapters.generator,
    budget: adapters.budget,
    store: adapters.store,
    now: () => new Date(),
    newId: randomUUID,
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
