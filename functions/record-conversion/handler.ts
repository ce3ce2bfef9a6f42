/**
 * Lambda entry point. Env: JOURNEYS_TABLE (exposures, credits, counters), MESSAGES_TABLE (sends and
 * clicks for attribution), JOURNEYS_CONFIG and MEASUREMENT_CONFIG (optional → defaults).
 */
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { measurementPorts } from '../../shared/adapters/dynamodb/measurement-wiring.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createRecordConversionHandler } from './app.js';

const ports = measurementPorts(process.env, documentClient());

export const handler = createRecordConversionHandler(
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
  jsonLogger('record-conversion'),
);
