/**
 * Resuming keyed waits: a domain event is recorded as an occurrence (ids and numeric facts only, for
 * exit checks and for waits registered after the event arrived), then every token waiting for
 * (profileId, event, key) is completed with the event and deleted. A token already used or timed
 * out is stale: ignored.
 */
import type {
  EventOccurrence,
  EventOccurrences,
  JourneyRunner,
  MergeAliases,
  WaitTokens,
} from '../../ports/journeys.js';
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
  return {
    profileId,
    event: event['detail-type'],
    eventId: eventIdOf(event),
    at: occurredAtOf(event),
    keys,
    facts,
  };
}

/**
 * The id an event is acted on once by: the detail's `eventId` (the outbox publisher's stable id, the
 * same on every republication) when it carries one, else the bus event's `id` (older publishers and
 * other contexts; EventBridge keeps it across its own retries).
 */
export function eventIdOf(event: { readonly id: string; readonly detail: Record<string, unknown> }): string {
  const id = event.detail.eventId;
  return typeof id === 'string' && id.length > 0 && id.length <= 256 ? id : event.id;
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
  readonly occurrences: Pick<EventOccurrences, 'record' | 'markHandled'>;
  readonly tokens: Pick<WaitTokens, 'matching' | 'delete' | 'put' | 'waitingFor'>;
  readonly runner: Pick<JourneyRunner, 'resume'>;
  /** Merges: recorded so exit checks look under the winner too (absent: merges are ignored). */
  readonly aliases?: Pick<MergeAliases, 'record'>;
  /** Every event a deployed journey waits for: the waits a merge moves. */
  readonly awaitedEvents?: readonly string[];
}

export type ResumeOutcome =
  | { readonly outcome: 'ignored'; readonly reason: 'no_profile' | 'duplicate' }
  | {
      readonly outcome: 'handled';
      readonly resumed: number;
      readonly stale: number;
      /** Waits left alone: the event happened before their execution started. */
      readonly before?: number;
    }
  | { readonly outcome: 'merged'; readonly moved: number };

/**
 * A profile merged into another (`ProfilesMerged`): the person's later events arrive under the
 * winner. Records the alias (exit checks of the loser's executions look under the winner too) and
 * moves the loser's waiting tokens to the winner, so the awaited event still resumes them.
 */
export async function moveOnMerge(
  deps: ResumeDeps,
  merge: { readonly winner: string; readonly loser: string; readonly at: string },
): Promise<ResumeOutcome> {
  await deps.aliases?.record(merge.loser, merge.winner, merge.at);
  let moved = 0;
  for (const event of deps.awaitedEvents ?? []) {
    for (const token of await deps.tokens.waitingFor(merge.loser, event)) {
      await deps.tokens.put({ ...token, profileId: merge.winner });
      await deps.tokens.delete(token);
      moved++;
    }
  }
  return { outcome: 'merged', moved };
}

/** Records the event and resumes the waits it satisfies; a merge moves waits to the winner. */
export async function resumeOnEvent(deps: ResumeDeps, event: BusEvent): Promise<ResumeOutcome> {
  if (event['detail-type'] === 'ProfilesMerged') {
    const { winner, loser } = event.detail;
    if (typeof winner !== 'string' || typeof loser !== 'string' || !winner || !loser || winner === loser)
      return { outcome: 'ignored', reason: 'no_profile' };
    return moveOnMerge(deps, { winner, loser, at: event.time });
  }
  const occurrence = occurrenceOf(event);
  if (!occurrence) return { outcome: 'ignored', reason: 'no_profile' };
  // Act once per event id: a redelivery of an event whose waits were already resumed does nothing
  // (a wait registered since then finds the occurrence itself when it registers).
  if ((await deps.occurrences.record(occurrence)) === 'duplicate')
    return { outcome: 'ignored', reason: 'duplicate' };
  const waiting = await deps.tokens.matching(occurrence.profileId, occurrence.event, occurrence.keys);
  let resumed = 0;
  let stale = 0;
  let before = 0;
  for (const token of waiting) {
    // An event from before the execution started (history, a late backlog) is not what it waits for;
    // the token stays for the event that does come, or for its timeout.
    if (token.since !== undefined && Date.parse(occurrence.at) < Date.parse(token.since)) {
      before++;
      continue;
    }
    const result = await deps.runner.resume(token.token, awaitedEventOutput(occurrence));
    if (result === 'resumed') resumed++;
    else stale++;
    await deps.tokens.delete(token);
  }
  await deps.occurrences.markHandled(occurrence);
  return { outcome: 'handled', resumed, stale, ...(before > 0 ? { before } : {}) };
}
