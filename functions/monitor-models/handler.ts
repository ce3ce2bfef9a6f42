/**
 * Lambda entry point. Env: MODELS_TABLE (snapshots, evaluations, the promoted card), PROFILES_TABLE
 * and PROFILES_CONFIG (scores and orders), MEASUREMENT_CONFIG (optional), EVENT_BUS_NAME (retraining
 * requests: `ModelDriftDetected`, source `feltfit.measurement`, which the trainer's rule takes).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbModelMonitorStore } from '../../shared/adapters/dynamodb/model-monitor-store.js';
import { modelRegistryFromEnv } from '../../shared/adapters/dynamodb/model-wiring.js';
import { putEntries } from '../../shared/adapters/eventbridge/domain-events.js';
import { profileStore } from '../../shared/adapters/profiles/wiring.js';
import { parseMeasurementConfigEnv } from '../../shared/config/measurement.js';
import { createMonitorModelsHandler } from './app.js';

const client = documentClient();
const config = parseMeasurementConfigEnv(process.env).models;
const registry = modelRegistryFromEnv(process.env, client);
const store = new DynamoDbModelMonitorStore({
  client,
  tableName: process.env.MODELS_TABLE ?? '',
  horizonDays: config.horizonDays,
});
const events = awsClient(EventBridgeClient, 'eventbridge');
const busName = process.env.EVENT_BUS_NAME ?? 'feltfit';
const metrics = new Metrics({ namespace: 'Feltfit/Measurement', serviceName: 'feltfit-monitor-models' });

const logger = lambdaLogger();
const app = createMonitorModelsHandler(
  {
    profiles: profileStore(process.env, client).store,
    snapshots: store,
    evaluations: store,
    cards: {
      promotedMetrics: async (model) => {
        const v = await registry.getPromoted(model);
        return v ? { version: v.card.version, metrics: { ...v.card.metrics } } : undefined;
      },
    },
    retrain: {
      request: (model, reasons) =>
        putEntries(events, [
          {
            EventBusName: busName,
            Source: 'feltfit.measurement',
            DetailType: 'ModelDriftDetected',
            Detail: JSON.stringify({ model, reasons }),
          },
        ]),
    },
    metrics: {
      put: (name, value, dimensions) => {
        const m = metrics.singleMetric();
        m.addDimensions(dimensions);
        m.addMetric(name, MetricUnit.NoUnit, value);
      },
    },
    config,
    random: Math.random,
    now: () => new Date(),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
