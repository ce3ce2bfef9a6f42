/**
 * The privacy-job Lambda, the task of the privacy-job state machine:
 *   { action: 'step', jobId, attempt } → { done, status }: one step of an erasure or export (one holder);
 *   { action: 'fail', jobId, attempt, error } → marks the attempt failed (the machine's catch).
 */
import middy from '@middy/core';
import * as z from 'zod';
import {
  failPrivacyJob,
  type JobStepResult,
  type PrivacyJobDeps,
  PrivacyJobId,
  runPrivacyJobStep,
} from '../../shared/domain/privacy/jobs.js';
import type { Logger } from '../../shared/ports/logger.js';

const Request = z.discriminatedUnion('action', [
  z.object({ action: z.literal('step'), jobId: PrivacyJobId, attempt: z.number().int().min(1) }),
  z.object({
    action: z.literal('fail'),
    jobId: PrivacyJobId,
    attempt: z.number().int().min(1),
    error: z.string().max(1000).default('Error'),
  }),
]);

/** Builds the privacy-job handler. */
export function createPrivacyJobHandler(deps: PrivacyJobDeps, logger: Logger) {
  return middy<unknown, JobStepResult | { failed: true }>().handler(async (event) => {
    const request = Request.parse(event);
    if (request.action === 'fail') {
      await failPrivacyJob(deps, request.jobId, request.attempt, request.error);
      logger.warn('privacy job failed', { jobId: request.jobId, error: request.error.slice(0, 100) });
      return { failed: true };
    }
    const result = await runPrivacyJobStep(deps, request.jobId, request.attempt);
    logger.info('privacy job step', { jobId: request.jobId, status: result.status, done: result.done });
    return result;
  });
}
