/**
 * Lambda entry point. Env: JOURNEYS_TABLE (exposures, credits, counters), MESSAGES_TABLE (sends and
 * clicks for attribution), JOURNEYS_CONFIG and MEASUREMENT_CONFIG (optional → defaults).
 */

import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { measurementPorts } from '../../shared/adapters/dynamodb/measurement-wiring.js';
import { createRecordConversionHandler } from './app.js';

const ports = measurementPorts(process.env, documentClient());

const logger = lambdaLogger();
const app = createRecordConversionHandler(
  {
    exposures: ports.store,
    ledger: ports.store,
    attributions: ports.store,
    customers: ports.store,
    touches: ports.touches,
    incentives: ports.incentives,
    config: ports.config,
    now: () => new Date(),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
