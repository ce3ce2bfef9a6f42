/**
 * Resuming keyed waits: a domain event is recorded as an occurrence (ids and numeric facts only, for
 * exit checks and for waits registered after the event arrived), then every token waiting for
 * (profileId, event, key) is completed with the event and deleted. A token already used or timed
 * out is stale: ignored.
 */
import type { EventOccurrence, EventOccurrences, JourneyRunner, WaitTokens } from '../../ports/journeys.js';
import { awaitedEventOutput } from './steps.js';
import type { BusEvent } from './triggers.js';

/** The occurrence kept for an event: string ids (`…Id`) and number/boolean facts, no free text. */
export function occurrenceOf(event: BusEvent): EventOccurrence | undefined {
  const profileId = event.detail.profileId;
  if (typeof profileId !== 'string' || profileId.length === 0) return undefined;
  const keys: Record<string, string> = {};
  const facts: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(event.detail)) {
    if (k === 'profileId') continue;
    if (typeof v === 'string' && /Id$/.test(k) && v.length <= 256) keys[k] = v;
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') facts[k] = v;
  }
  return { profileId, event: event['detail-type'], eventId: event.id, at: occurredAtOf(event), keys, facts };
}

/**
 * When a bus event happened: the detail's `occurredAt` (the customer's event time, to the
 * millisecond) when it carries a valid one, else EventBridge's `time` (publication, whole seconds).
 */
export function occurredAtOf(event: {
  readonly time: string;
  readonly detail: Record<string, unknown>;
}): string {
  const at = event.detail.occurredAt;
  return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? new Date(at).toISOString() : event.time;
}

export interface ResumeDeps {
  readonly occurrences: Pick<EventOccurrences, 'record'>;
  readonly tokens: Pick<WaitTokens, 'matching' | 'delete'>;
  readonly runner: Pick<JourneyRunner, 'resume'>;
}

export type ResumeOutcome =
  | { readonly outcome: 'ignored'; readonly reason: 'no_profile' }
  | { readonly outcome: 'handled'; readonly resumed: number; readonly stale: number };

/** Records the event and resumes the waits it satisfies. */
export async function resumeOnEvent(deps: ResumeDeps, event: BusEvent): Promise<ResumeOutcome> {
  const occurrence = occurrenceOf(event);
  if (!occurrence) return { outcome: 'ignored', reason: 'no_profile' };
  await deps.occurrences.record(occurrence);
  const waiting = await deps.tokens.matching(occurrence.profileId, occurrence.event, occurrence.keys);
  let resumed = 0;
  let stale = 0;
  for (const token of waiting) {
    const result = await deps.runner.resume(token.token, awaitedEventOutput(occurrence));
    if (result === 'resumed') resumed++;
    else stale++;
    await deps.tokens.delete(token);
  }
  return { outcome: 'handled', resumed, stale };
}
