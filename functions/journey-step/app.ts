/**
 * The journey-step Lambda: the small tasks compiled state machines call (registerWait, checkExit,
 * evaluateBranch, updateProfile, waitUntil), chosen by `action`. Invalid input throws
 * InvalidRequestError (code `invalid_journey_step_request`), which the state machine does not retry.
 */
import middy from '@middy/core';
import { InvalidRequestError } from '../../shared/domain/errors.js';
import {
  type JourneyStepDeps,
  JourneyStepRequest,
  type JourneyStepResult,
  runJourneyStep,
} from '../../shared/domain/journeys/steps.js';
import type { Logger } from '../../shared/ports/logger.js';

/** Builds the journey-step handler. */
export function createJourneyStepHandler(deps: JourneyStepDeps, logger: Logger) {
  return middy<unknown, JourneyStepResult>().handler(async (event) => {
    const parsed = JourneyStepRequest.safeParse(event);
    if (!parsed.success) {
      logger.warn('journey-step request rejected', { code: 'invalid_journey_step_request' });
      throw new InvalidRequestError('invalid_journey_step_request', 'invalid journey-step request', {
        issues: parsed.error.issues.map((i) => ({
          path: i.path.map(String),
          code: i.code,
          message: i.message,
        })),
      });
    }
    // Every later line of this invocation names the journey and the step.
    logger.appendKeys({ journey: parsed.data.journey, step: parsed.data.step });
    const result = await runJourneyStep(deps, parsed.data);
    const { action, ...rest } = result;
    logger.info('journey step', { action, journey: parsed.data.journey, step: parsed.data.step, ...rest });
    return result;
  });
}
