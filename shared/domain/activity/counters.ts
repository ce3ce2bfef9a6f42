/**
 * The writes behind the overview's counters, kept cheap: ingest adds each stored batch to the
 * per-day event counter (one ADD per day the batch's events fall on, usually one), and the send
 * and decide paths record each message outcome once (MessageOutcomeLog). Counters are a report:
 * a failed count is logged and never fails the write it counts.
 */

import type { EventDayCounter, MessageOutcome, MessageOutcomeLog } from '../../ports/activity.js';
import type { EventStore } from '../../ports/events.js';
import type { DecideRequest, DecisionOutput } from '../journeys/decide.js';

/** Events older than this (backfills, replays) are not counted: the chart shows the last 30 days. */
const COUNTED_DAYS = 35;

/** The same EventStore, adding each stored batch to the per-day event counter by event time. */
export function countEventsPerDay<S extends EventStore>(
  events: S,
  counter: Pick<EventDayCounter, 'add'>,
  options: { readonly now?: () => number; readonly onError?: (error: unknown) => void } = {},
): EventStore {
  const now = options.now ?? Date.now;
  return {
    listByPerson: (query) => events.listByPerson(query),
    async putEvents(batch) {
      const result = await events.putEvents(batch);
      const oldest = now() - COUNTED_DAYS * 86_400_000;
      const perDay = new Map<string, number>();
      for (const e of batch) {
        const t = Date.parse(e.timestamp);
        if (!Number.isFinite(t) || t < oldest) continue;
        const day = new Date(t).toISOString().slice(0, 10);
        perDay.set(day, (perDay.get(day) ?? 0) + 1);
      }
      await Promise.all(
        [...perDay].map(([day, n]) => counter.add(day, n).catch((err: unknown) => options.onError?.(err))),
      );
      return result;
    },
  };
}

/**
 * The message a decision did not send for want of approved content: a send by intent with no
 * approved variant, or a decide step whose acting candidates had none and so chose nothing. It is a
 * skipped message like the send rules' skips, with the reason `no_approved_variant`.
 */
export function missingContentSkip(request: DecideRequest, out: DecisionOutput): MessageOutcome | undefined {
  const base = {
    profileId: request.profileId,
    at: request.at,
    journey: request.journey,
    step: request.step,
    executionId: request.executionId,
    status: 'skipped' as const,
    reason: 'no_approved_variant',
  };
  if (request.mode === 'variant') {
    if (out.explanation.chosen.reason !== 'no_approved_variant') return undefined;
    return { ...base, channel: request.channel, intent: request.intent };
  }
  if (out.action !== 'nothing') return undefined;
  // Doing nothing only counts as a skip when no acting candidate could be chosen.
  const acting = out.explanation.candidates.filter((c) => c.kind !== 'nothing');
  if (acting.some((c) => c.eligible)) return undefined;
  const starved = out.explanation.candidates.find((c) => c.reasons.includes('no_approved_variant'));
  const candidate = starved && request.candidates.find((c) => c.id === starved.id);
  if (!candidate?.channel) return undefined;
  return { ...base, channel: candidate.channel, ...(candidate.intent ? { intent: candidate.intent } : {}) };
}

/** Records an outcome, best effort: the message decision stands whether or not it was logged. */
export async function recordOutcome(
  log: MessageOutcomeLog | undefined,
  outcome: MessageOutcome,
  onError: (error: unknown) => void,
): Promise<void> {
  if (!log) return;
  try {
    await log.record(outcome);
  } catch (err) {
    onError(err);
  }
}
