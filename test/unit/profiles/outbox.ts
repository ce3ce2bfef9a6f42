import type { DomainEvent } from '../../../shared/ports/domain-events.js';
import type { ProfileStore } from '../../../shared/ports/profiles.js';

/**
 * The store, recording the outbox events of every commit that succeeded (without their ids) into
 * `sink`: what the outbox publisher would publish.
 */
export function recordOutbox<S extends ProfileStore>(store: S, sink: () => DomainEvent[]): S {
  const recording = Object.create(store) as S;
  recording.commit = async (write) => {
    const outcome = await store.commit(write);
    if (outcome.ok) sink().push(...write.outbox.map(({ eventId: _id, ...event }) => event as DomainEvent));
    return outcome;
  };
  return recording;
}
