/**
 * The resume-journeys Lambda: target of the rule `resumeRule(journeys)` (every event a journey
 * waits for or exits on). Records the occurrence and completes matching waiting tokens. Also the
 * target of `MERGE_RULE`: a profile merge records the alias and moves the loser's waits. A malformed
 * event is answered with `{ ok: false, error: { code: 'invalid_request' } }`, not thrown.
 */
import middy from '@middy/core';
import { type ResumeDeps, type ResumeOutcome, resumeOnEvent } from '../../shared/domain/journeys/resume.js';
import { BusEventSchema } from '../../shared/domain/journeys/start.js';
import type { Logger } from '../../shared/ports/logger.js';

export type ResumeResult =
  | ({ readonly ok: true } & ResumeOutcome)
  | { readonly ok: false; readonly error: { readonly code: 'invalid_request'; readonly message: string } };

/** Builds the resume-journeys handler. */
export function createResumeJourneysHandler(deps: ResumeDeps, logger: Logger) {
  return middy<unknown, ResumeResult>().handler(async (event): Promise<ResumeResult> => {
    const parsed = BusEventSchema.safeParse(event);
    if (!parsed.success) {
      logger.warn('resume event rejected', { code: 'invalid_request' });
      return { ok: false, error: { code: 'invalid_request', message: 'expected an EventBridge event' } };
    }
    const out = await resumeOnEvent(deps, parsed.data);
    logger.info('resume handled', { event: parsed.data['detail-type'], ...out });
    return { ok: true, ...out };
  });
}
