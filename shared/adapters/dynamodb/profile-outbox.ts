/**
 * The transactional outbox of the profiles table. A projector commit writes the domain events it
 * produced into the profile item's `outbox` attribute (a JSON string, replaced by each commit,
 * removed by a commit or any other write that produced none), in the same write as the profile
 * change. The table's stream carries each version of the item, so the events of a commit are in
 * exactly one stream record's NewImage; the outbox publisher reads them from there. The item stays
 * bounded: it holds the last commit's events only.
 */
import type { OutboxEvent } from '../../ports/domain-events.js';

/** Attribute of the profile item holding the last commit's domain events. */
export const OUTBOX_ATTRIBUTE = 'outbox';

/** The attribute value for a commit's events (undefined: remove the attribute). */
export function encodeOutbox(events: readonly OutboxEvent[]): string | undefined {
  return events.length === 0 ? undefined : JSON.stringify(events);
}

/** The outbox events of an unmarshalled profile item (a stream NewImage); [] when it holds none. */
export function outboxOf(item: Readonly<Record<string, unknown>>): OutboxEvent[] {
  const raw = item[OUTBOX_ATTRIBUTE];
  if (typeof raw !== 'string' || raw === '') return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (e): e is OutboxEvent =>
      e !== null &&
      typeof e === 'object' &&
      typeof (e as { type?: unknown }).type === 'string' &&
      typeof (e as { eventId?: unknown }).eventId === 'string',
  );
}
