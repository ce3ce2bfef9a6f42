/**
 * The measurement-report Lambda.
 *   GET /admin/report (API Gateway; IAM for the CLI, JWT under /api for the console): the report as JSON.
 *   The daily schedule: the same report published as CloudWatch metrics (embedded metric format via
 *   Powertools Metrics, namespace Feltfit/Measurement), which the stack's dashboard charts and alarms
 *   watch: per journey and variant the lift and its always-valid lower bound, a sample-ratio-mismatch
 *   flag, fairness flags, and the north star.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { ClientError } from '../../shared/domain/errors.js';
import type { Report } from '../../shared/domain/measurement/report.js';
import { adminRouter } from '../../shared/http/admin-router.js';
import { errorResponse } from '../../shared/http/errors.js';
import type { Logger } from '../../shared/ports/logger.js';

export interface ReportDeps {
  readonly report: () => Promise<Report>;
  readonly metrics: Pick<Metrics, 'addMetric' | 'addDimensions' | 'publishStoredMetrics' | 'singleMetric'>;
}

const isHttp = (e: unknown): e is APIGatewayProxyEventV2 =>
  typeof e === 'object' && e !== null && 'requestContext' in e && 'rawPath' in e;

/** Publishes the report's actionable figures as metrics. */
export function publishReportMetrics(report: Report, metrics: ReportDeps['metrics']): number {
  let count = 0;
  const put = (
    name: string,
    value: number,
    dimensions: Record<string, string>,
    unit: (typeof MetricUnit)[keyof typeof MetricUnit] = MetricUnit.Count,
  ) => {
    const m = metrics.singleMetric();
    m.addDimensions(dimensions);
    m.addMetric(name, unit, value);
    count++;
  };
  put('NorthStar', report.northStar.value, { Metric: report.northStar.metric }, MetricUnit.NoUnit);
  put('IncrementalMargin', report.economics.incrementalMargin, { Scope: 'all' }, MetricUnit.NoUnit);
  for (const j of report.journeys) {
    put('SampleRatioMismatch', j.srm?.mismatch ? 1 : 0, { Journey: j.journey });
    for (const a of j.arms) {
      put('Exposures', a.exposures, { Journey: j.journey, Arm: a.arm });
      put('ConversionRate', a.rate.estimate, { Journey: j.journey, Arm: a.arm }, MetricUnit.NoUnit);
      if (a.vsHoldout) {
        const dims = { Journey: j.journey, Arm: a.arm };
        put('AbsoluteLift', a.vsHoldout.absoluteLift.estimate, dims, MetricUnit.NoUnit);
        put('LiftLowerBound', a.vsHoldout.sequential.interval.lower, dims, MetricUnit.NoUnit);
      }
    }
  }
  for (const k of report.kpis) {
    if (k.value) put('Kpi', k.value.estimate, { Kpi: k.name, Journey: k.journey }, MetricUnit.NoUnit);
  }
  const flagged = report.fairness.filter((f) => f.flagged.length > 0).length;
  put('FairnessFlags', flagged, { Scope: 'all' });
  metrics.publishStoredMetrics();
  return count;
}

/** Builds the handler. */
export function createReportHandler(deps: ReportDeps, logger: Logger) {
  const http = adminRouter('report', {
    report: async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify(await deps.report()),
    }),
  });
  return middy<unknown, APIGatewayProxyResultV2 | { published: number }>().handler(async (event) => {
    if (isHttp(event)) {
      try {
        return await http(event);
      } catch (err) {
        if (!(err instanceof ClientError)) throw err;
        logger.info('request rejected', { code: err.code });
        return errorResponse(err);
      }
    }
    const report = await deps.report();
    const published = publishReportMetrics(report, deps.metrics);
    logger.info('report metrics published', { published, journeys: report.journeys.length });
    return { published };
  });
}
