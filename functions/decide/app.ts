/**
 * The decide Lambda, called by journey state machines (decide states and send-by-intent variant
 * choices). Returns the decision with its explanation; the explanation is also stored. A request
 * that fails validation throws InvalidRequestError (code `invalid_decide_request`), which the state
 * machine does not retry.
 */
import middy from '@middy/core';
import { InvalidRequestError } from '../../shared/domain/errors.js';
import {
  type DecideDeps,
  DecideRequest,
  type DecisionOutput,
  decide,
} from '../../shared/domain/journeys/decide.js';
import type { Logger } from '../../shared/ports/logger.js';

/** Builds the decide handler. */
export function createDecideHandler(deps: DecideDeps, logger: Logger) {
  return middy<unknown, DecisionOutput>().handler(async (event) => {
    const parsed = DecideRequest.safeParse(event);
    if (!parsed.success) {
      logger.warn('decide request rejected', { code: 'invalid_decide_request' });
      throw new InvalidRequestError('invalid_decide_request', 'invalid decide request', {
        issues: parsed.error.issues.map((i) => ({
          path: i.path.map(String),
          code: i.code,
          message: i.message,
        })),
      });
    }
    const out = await decide(deps, parsed.data);
    logger.info('decision made', {
      journey: parsed.data.journey,
      step: parsed.data.step,
      mode: parsed.data.mode,
      decisionId: out.decisionId,
      action: out.action,
      candidate: out.candidate,
      variant: out.variant,
      reason: out.explanation.chosen.reason,
    });
    return out;
  });
}
