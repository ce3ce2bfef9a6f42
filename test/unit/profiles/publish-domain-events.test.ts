import { describe, expect, it } from 'vitest';
import {
  createPublishDomainEventsHandler,
  outboxEventsOf,
} from '../../../functions/publish-domain-events/app.js';
import { DomainEventsPublishError } from '../../../shared/domain/profiles/errors.js';
import { silentLogger } from '../../../shared/http/logger.js';
import type { DomainEvent, DomainEvents, OutboxEvent } from '../../../shared/ports/domain-events.js';

const order = (id: string): OutboxEvent => ({
  type: 'OrderCompleted',
  eventId: `ev_${id}`,
  profileId: 'pf_1',
  orderId: id,
  revenue: 10,
  orderCount: 1,
});
const record = (seq: string, outbox?: OutboxEvent[], eventName = 'MODIFY') => ({
  eventName,
  dynamodb: {
    SequenceNumber: seq,
    NewImage: {
      pk: { S: 'P#pf_1' },
      sk: { S: 'PROFILE' },
      ...(outbox ? { outbox: { S: JSON.stringify(outbox) } } : {}),
    },
  },
});

/** A bus that records what it accepted and fails the calls listed in `failOn` (1-based). */
function bus(failOn: number[] = []) {
  const accepted: DomainEvent[] = [];
  let calls = 0;
  const events: DomainEvents = {
    async publish(batch) {
      calls++;
      if (failOn.includes(calls)) throw new DomainEventsPublishError('rejected');
      accepted.push(...batch);
    },
  };
  return { events, accepted };
}

const invoke = (deps: { events: DomainEvents }, records: unknown[]) =>
  createPublishDomainEventsHandler(deps, silentLogger)({ Records: records } as any, {} as any);

describe('outbox publisher', () => {
  it('publishes every record’s outbox events in stream order, with their eventIds', async () => {
    const b = bus();
    const out = await invoke(b, [
      record('1', [order('a'), order('b')]),
      record('2'),
      record('3', [order('c')]),
    ]);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(b.accepted.map((e) => (e as OutboxEvent).eventId)).toEqual(['ev_a', 'ev_b', 'ev_c']);
  });

  it('reports the first record not published, and publishes nothing after it', async () => {
    const b = bus([2]);
    const out = await invoke(b, [
      record('1', [order('a')]),
      record('2', [order('b')]),
      record('3', [order('c')]),
    ]);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(b.accepted.map((e) => (e as OutboxEvent).eventId)).toEqual(['ev_a']);
  });

  it('skips records without an outbox, REMOVE records and undecodable outboxes', async () => {
    const b = bus();
    const broken = {
      eventName: 'MODIFY',
      dynamodb: { SequenceNumber: '4', NewImage: { outbox: { S: '{' } } },
    };
    const out = await invoke(b, [
      record('1'),
      record('2', [order('a')], 'REMOVE'),
      broken,
      record('5', [order('b')]),
    ]);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(b.accepted.map((e) => (e as OutboxEvent).eventId)).toEqual(['ev_b']);
  });

  it('reads the outbox attribute from a stream image', () => {
    expect(outboxEventsOf(record('1', [order('a')]))).toEqual([order('a')]);
    expect(outboxEventsOf(record('1'))).toEqual([]);
    expect(
      outboxEventsOf({
        eventName: 'MODIFY',
        dynamodb: { SequenceNumber: '1', NewImage: { outbox: { N: '1' } } },
      }),
    ).toBeUndefined();
    expect(outboxEventsOf({ nope: true })).toBeUndefined();
  });
});
