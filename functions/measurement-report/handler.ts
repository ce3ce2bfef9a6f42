/**
 * Lambda entry point. Env: JOURNEYS_TABLE, JOURNEYS_CONFIG and MEASUREMENT_CONFIG (optional),
 * POWERTOOLS_METRICS_NAMESPACE (Feltfit/Measurement).
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { measurementPorts } from '../../shared/adapters/dynamodb/measurement-wiring.js';
import { buildReport } from '../../shared/domain/measurement/report.js';
import { createReportHandler } from './app.js';

const ports = measurementPorts(process.env, documentClient());
const metrics = new Metrics({ namespace: 'Feltfit/Measurement', serviceName: 'feltfit-measurement' });

const logger = lambdaLogger();
const app = createReportHandler(
  {
    report: async () =>
      buildReport(
        await ports.store.reportInput(ports.journeys.journeys, new Date()),
        ports.journeys.journeys,
        ports.config,
        ports.journeys.experiments.globalControl.share,
        ports.journeys.experiments.sendTime.holdoutShare,
      ),
    metrics,
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
