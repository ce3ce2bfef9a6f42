/**
 * The monitor-models Lambda (daily schedule): snapshots today's propensity scores and judges the
 * snapshot taken `horizonDays` ago against realised orders (see shared/domain/measurement/model-monitor.ts).
 */
import middy from '@middy/core';
import {
  type MonitorDeps,
  type MonitorOutcome,
  monitorModels,
} from '../../shared/domain/measurement/model-monitor.js';
import type { Logger } from '../../shared/ports/logger.js';

/** Builds the handler; the input is ignored (the schedule sends `{}`). */
export function createMonitorModelsHandler(deps: MonitorDeps, logger: Logger) {
  return middy<unknown, MonitorOutcome>().handler(async () => {
    const outcome = await monitorModels(deps);
    logger.info('models monitored', {
      snapshotRows: outcome.snapshot.rows,
      ...(outcome.evaluated
        ? {
            evaluatedDay: outcome.evaluated.day,
            realisedAuc: outcome.evaluated.realised.auc,
            drift: outcome.evaluated.verdict.drift,
          }
        : {}),
    });
    return outcome;
  });
}
