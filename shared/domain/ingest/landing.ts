/**
 * Landing of large batches: instead of writing each message's item while the client waits (a
 * 2,500-message batch is 100 BatchWriteItem calls, which a loaded machine or a throttled table
 * cannot finish inside the function's timeout), ingest writes the request's normalised messages in
 * a few compressed items, answers 200, and the fan-out stores them as events from the table's
 * stream. Parts have deterministic ids, so a client's retry of the same batch writes nothing again.
 */
import type { EventLanding, EventStore, LandedKey, LandingPart } from '../../ports/events.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import type { NormalisedMessage } from './schemas.js';

/**
 * Batches with more valid messages than this are landed; smaller ones are written directly. 200
 * messages are 8 BatchWriteItem calls: one wave of the event store's calls in flight.
 */
export const LANDING_ABOVE_MESSAGES = 200;

/**
 * Most messages in one landed part: one part is stored by one fan-out step (20 BatchWriteItem
 * calls), so a fan-out cut short by its timeout redoes at most this much.
 */
export const LANDING_PART_MESSAGES = 500;

/** A valid message of the request and the JSON the client sent for it (what its part id hashes). */
export interface LandingMessage {
  readonly message: NormalisedMessage;
  readonly json: string;
}

/** Identity of a message's stored item: the same person and messageId are one event. */
const eventIdentity = (m: NormalisedMessage) =>
  JSON.stringify([m.userId ?? null, m.userId === undefined ? (m.anonymousId ?? null) : null, m.messageId]);

/**
 * Splits a request's valid messages into landing parts of at most LANDING_PART_MESSAGES. A message
 * repeated in the request is kept once (the first), as a direct write keeps it. A part's id is the
 * keyed hash of the source, the batch context and the messages as the client sent them: a re-send
 * of the same batch has the same ids even though its receipt time (and so the normalised messages)
 * differ. Keyed, so that an id reveals nothing about the messages.
 */
export function landingParts(
  messages: readonly LandingMessage[],
  scope: { readonly sourceId: string; readonly batchContext?: unknown },
  hasher: Pick<KeyedHasher, 'hash'>,
): LandingPart[] {
  const seen = new Set<string>();
  const unique = messages.filter(({ message }) => {
    const key = eventIdentity(message);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const header = `landing\n${scope.sourceId}\n${JSON.stringify(scope.batchContext ?? null)}`;
  const parts: LandingPart[] = [];
  for (let i = 0; i < unique.length; i += LANDING_PART_MESSAGES) {
    const slice = unique.slice(i, i + LANDING_PART_MESSAGES);
    parts.push({
      id: hasher.hash(`${header}\n${slice.map((m) => m.json).join('\n')}`),
      messages: slice.map((m) => m.message),
    });
  }
  return parts;
}

/** A landed item as the fan-out reads it from the stream. */
export interface LandedItem {
  /** The stream record's identifier, reported back when the item is left for a retry. */
  readonly recordId: string;
  readonly key: LandedKey;
  readonly messages: readonly NormalisedMessage[];
}

/** What the fan-out needs. */
export interface FanOutDeps {
  readonly events: Pick<EventStore, 'putEvents'>;
  readonly landing: Pick<EventLanding, 'markStored'>;
}

/** Outcome of one fan-out invocation. */
export interface FanOutReport {
  /** Events written. */
  readonly stored: number;
  /** Landed items stored and marked. */
  readonly items: number;
  /**
   * Record ids to retry: not started because the invocation's time was running out, or from the
   * item whose write failed on.
   */
  readonly left: readonly string[];
  /** Why the item at `left[0]` failed, when one did. */
  readonly error?: unknown;
}

/** Time kept back at the end of a fan-out invocation, beyond twice its slowest item so far. */
export const FAN_OUT_MARGIN_MS = 5_000;

/**
 * Stores each landed item's messages as events, then marks it stored, one item after the other.
 * Before each item it checks the invocation's remaining time: when less than twice the slowest item
 * so far (plus a margin) is left, the rest is returned in `left` to be retried, rather than cut off
 * by the timeout and written again from the start; a failed item is returned with the rest. Writes
 * are idempotent by event key: a retried item that was partly written writes the same items again.
 */
export async function fanOut(
  deps: FanOutDeps,
  items: readonly LandedItem[],
  options: { readonly remainingMs?: () => number; readonly now?: () => number } = {},
): Promise<FanOutReport> {
  const now = options.now ?? performance.now.bind(performance);
  let stored = 0;
  let slowest = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (i > 0 && options.remainingMs && options.remainingMs() < 2 * slowest + FAN_OUT_MARGIN_MS) {
      return { stored, items: i, left: items.slice(i).map((x) => x.recordId) };
    }
    const start = now();
    try {
      if (item.messages.length > 0) stored += (await deps.events.putEvents(item.messages)).stored;
      await deps.landing.markStored(item.key);
    } catch (error) {
      // The items before this one are done and marked: only this one and the rest are retried.
      return { stored, items: i, left: items.slice(i).map((x) => x.recordId), error };
    }
    slowest = Math.max(slowest, now() - start);
  }
  return { stored, items: items.length, left: [] };
}
