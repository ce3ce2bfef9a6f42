/**
 * The start-journey Lambda: target of one EventBridge rule per journey (triggerRules). Starts every
 * journey the domain event triggers, after assignment (see shared/domain/journeys/start.ts).
 * An event that fails validation is answered with `{ ok: false, error: { code: 'invalid_request' } }`
 * and not thrown, so EventBridge does not retry a malformed event.
 */
import middy from '@middy/core';
import {
  BusEventSchema,
  type JourneyEntry,
  type StartDeps,
  startJourneys,
} from '../../shared/domain/journeys/start.js';
import type { Logger } from '../../shared/ports/logger.js';

export type StartJourneyResult =
  | { readonly ok: true; readonly entries: readonly JourneyEntry[] }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: 'invalid_request';
        readonly message: string;
        readonly issues: readonly { path: string[]; message: string }[];
      };
    };

/** Builds the start-journey handler. */
export function createStartJourneyHandler(deps: StartDeps, logger: Logger) {
  return middy<unknown, StartJourneyResult>().handler(async (event): Promise<StartJourneyResult> => {
    const parsed = BusEventSchema.safeParse(event);
    if (!parsed.success) {
      logger.warn('start-journey event rejected', { code: 'invalid_request' });
      return {
        ok: false,
        error: {
          code: 'invalid_request',
          message: 'expected an EventBridge event with detail.profileId',
          issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
        },
      };
    }
    const entries = await startJourneys(deps, parsed.data);
    for (const e of entries) {
      logger.info('journey entry', {
        journey: e.journey,
        outcome: e.outcome,
        reason: e.reason,
        ...('arm' in e ? { arm: e.arm } : {}),
      });
    }
    return { ok: true, entries };
  });
}
