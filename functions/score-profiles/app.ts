/**
 * The scorer Lambda, built from its dependencies. Three inputs:
 * - an EventBridge `ProfilesUpdated` event (detail `{ profiles: [{ profileId, changed, eventId }] }`,
 *   the outbox publisher's grouping of a stream batch's ProfileUpdated events): scores each profile
 *   unless debounced, once per profile and eventId;
 * - an EventBridge `ProfileUpdated` event (detail `{ profileId, changed }`): the same for one profile;
 * - `{ mode: 'batch', cursor? }` (nightly schedule or a Step Functions loop): scores one page of all
 *   profiles and returns `{ cursor, done }` so the caller continues until `done`.
 * An input that matches none is answered with `{ ok: false, error: { code: 'invalid_request' } }`
 * (no throw, so asynchronous invocations are not retried on a caller's mistake).
 */
import middy from '@middy/core';
import * as z from 'zod';
import {
  onProfilesUpdated,
  onProfileUpdated,
  type ProfilesUpdatedSummary,
  type ScorerDeps,
  scoreBatchPage,
} from '../../shared/domain/models/scoring.js';
import type { Logger } from '../../shared/ports/logger.js';

const ProfileId = z.string().min(1).max(256);
const ChangedFields = z.array(z.string().min(1).max(256)).max(1000).default([]);

/** `ProfileUpdated` as EventBridge delivers it. */
export const ProfileUpdatedEvent = z.object({
  'detail-type': z.literal('ProfileUpdated'),
  detail: z.object({
    profileId: ProfileId,
    changed: ChangedFields,
  }),
});

/** `ProfilesUpdated` as EventBridge delivers it: ≤ 64 KB of ProfileUpdated events. */
export const ProfilesUpdatedEvent = z.object({
  'detail-type': z.literal('ProfilesUpdated'),
  detail: z.object({
    profiles: z
      .array(
        z.object({
          profileId: ProfileId,
          changed: ChangedFields,
          eventId: z.string().min(1).max(128).optional(),
        }),
      )
      .min(1)
      .max(5000),
  }),
});

/** One page of the nightly batch. */
export const BatchRequest = z.object({
  mode: z.literal('batch'),
  cursor: z.string().min(1).max(4096).optional(),
});

export const ScoreInput = z.union([ProfilesUpdatedEvent, ProfileUpdatedEvent, BatchRequest]);
export type ScoreInput = z.infer<typeof ScoreInput>;

/** What the handler returns. */
export type ScoreResult =
  | { ok: true; mode: 'event'; outcome: 'scored' | 'skipped'; reason: string; emitted: boolean }
  | ({ ok: true; mode: 'events' } & ProfilesUpdatedSummary)
  | {
      ok: true;
      mode: 'batch';
      scored: number;
      emitted: number;
      unscorable: number;
      cursor?: string;
      done: boolean;
    }
  | {
      ok: false;
      error: { code: 'invalid_request'; message: string; issues: { path: string[]; message: string }[] };
    };

/** Builds the scorer handler. */
export function createScoreProfilesHandler(deps: ScorerDeps, logger: Logger) {
  return middy<unknown, ScoreResult>().handler(async (event): Promise<ScoreResult> => {
    const parsed = ScoreInput.safeParse(event);
    if (!parsed.success) {
      logger.warn('score request rejected', { code: 'invalid_request' });
      return {
        ok: false,
        error: {
          code: 'invalid_request',
          message: "expected a ProfilesUpdated or ProfileUpdated event or { mode: 'batch', cursor? }",
          issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
        },
      };
    }
    const input = parsed.data;
    if ('mode' in input) {
      const page = await scoreBatchPage(deps, input.cursor);
      logger.info('score batch page', {
        scored: page.scored,
        emitted: page.emitted,
        unscorable: page.unscorable,
      });
      return { ok: true, mode: 'batch', ...page, done: page.cursor === undefined };
    }
    if ('profiles' in input.detail) {
      const summary = await onProfilesUpdated(deps, input.detail.profiles);
      logger.info('profile updates handled', {
        profiles: summary.profiles,
        scored: summary.scored,
        emitted: summary.emitted,
        ...summary.skipped,
      });
      return { ok: true, mode: 'events', ...summary };
    }
    const out = await onProfileUpdated(deps, input.detail);
    logger.info('profile update handled', { outcome: out.outcome, reason: out.reason });
    return {
      ok: true,
      mode: 'event',
      outcome: out.outcome,
      reason: out.reason,
      emitted: out.outcome === 'scored' && out.emitted,
    };
  });
}
