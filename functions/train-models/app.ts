/**
 * The trainer Lambda: `{ model?: 'clv' | 'propensity' }` trains one model or both (weekly schedule
 * with `{}`, or on demand). Unknown keys are ignored, so an EventBridge "Scheduled Event" also trains
 * both. EventBridge events — `ModelDriftDetected` from measurement, `ModelTrainingRequested` from
 * `feltfit models train` or the admin API — carry the request in their detail. An invalid model is
 * answered with `{ ok: false, error: { code: 'invalid_request' } }`.
 */
import middy from '@middy/core';
import * as z from 'zod';
import { ModelName, type ModelsConfig } from '../../shared/config/models.js';
import { type TrainerDeps, type TrainingOutcome, trainModels } from '../../shared/domain/models/training.js';
import type { Logger } from '../../shared/ports/logger.js';

export const TrainRequest = z.object({ model: ModelName.optional() });

export type TrainResult =
  | { ok: true; results: TrainingOutcome[] }
  | { ok: false; error: { code: 'invalid_request'; message: string } };

/** Builds the trainer handler. */
export function createTrainModelsHandler(deps: TrainerDeps, config: ModelsConfig, logger: Logger) {
  return middy<unknown, TrainResult>().handler(async (event): Promise<TrainResult> => {
    // A drift alarm or a "train now" request arrives as an EventBridge event: its detail names the model.
    const request =
      event && typeof event === 'object' && 'detail-type' in event
        ? (event as { detail?: unknown }).detail
        : event;
    const parsed = TrainRequest.safeParse(request ?? {});
    if (!parsed.success) {
      logger.warn('train request rejected', { code: 'invalid_request' });
      return {
        ok: false,
        error: { code: 'invalid_request', message: "model must be 'clv' or 'propensity'" },
      };
    }
    const results = await trainModels(deps, config, parsed.data.model);
    for (const r of results) {
      logger.info('model trained', {
        model: r.model,
        status: r.status,
        ...(r.status === 'skipped' ? { reason: r.reason } : { version: r.version }),
        ...(r.status === 'candidate' ? { failedGates: r.failedGates.map((g) => g.metric) } : {}),
      });
    }
    return { ok: true, results };
  });
}
