/**
 * Stable ids of the domain events a projection writes to the outbox. An id is derived from what the
 * event is about — never from time or randomness — so re-deriving an event (a retried batch, a
 * redelivered stream record) gives the same id and consumers can deduplicate by it.
 */
import { createHash } from 'node:crypto';
import type { DomainEvent, OutboxEvent } from '../../ports/domain-events.js';

const sha256 = (...parts: readonly (string | number)[]) =>
  createHash('sha256').update(parts.map(String).join('\u0000'), 'utf8').digest('hex');

/** What distinguishes two events of one type caused by the same message. */
function keyOf(event: DomainEvent): string {
  switch (event.type) {
    case 'OrderCompleted':
      return event.orderId;
    case 'TicketResolved':
    case 'TicketReopened':
      return event.ticketId;
    case 'BrowseAbandoned':
      return event.productId;
    case 'ConsentChanged':
      return `${event.channel}:${event.purpose}`;
    default:
      return '';
  }
}

/**
 * The outbox form of an event a message caused: ProfilesMerged by winner and loser (a pair merges
 * once), every other event by type, message and key.
 */
export function outboxEventOf(event: DomainEvent, messageId: string): OutboxEvent {
  const eventId =
    event.type === 'ProfilesMerged'
      ? sha256(event.type, event.winner, event.loser)
      : sha256(event.type, messageId, keyOf(event));
  return { ...event, eventId };
}

/** The ProfileUpdated event of one commit: one per profile version. */
export function profileUpdatedEvent(
  profileId: string,
  version: number,
  changed: readonly string[],
): OutboxEvent {
  return {
    type: 'ProfileUpdated',
    profileId,
    changed: [...changed].sort(),
    eventId: sha256('ProfileUpdated', profileId, version),
  };
}
