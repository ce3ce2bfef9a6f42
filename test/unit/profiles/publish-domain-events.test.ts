import { describe, expect, it } from 'vitest';
import {
  createPublishDomainEventsHandler,
  outboxEventsOf,
} from '../../../functions/publish-domain-events/app.js';
import { encodeOutbox, outboxOf } from '../../../shared/adapters/dynamodb/profile-outbox.js';
import { DomainEventsPublishError } from '../../../shared/domain/profiles/errors.js';
import type { DomainEvent, DomainEvents, OutboxEvent } from '../../../shared/ports/domain-events.js';
import { silentLogger } from '../../support/logger.js';

const order = (id: string): OutboxEvent => ({
  type: 'OrderCompleted',
  eventId: `ev_${id}`,
  profileId: 'pf_1',
  orderId: id,
  revenue: 10,
  orderCount: 1,
});
const updated = (id: string): OutboxEvent => ({
  type: 'ProfileUpdated',
  eventId: `ev_${id}`,
  profileId: `pf_${id}`,
  changed: ['lastSeen'],
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

/** A bus that records what it accepted (and each call) and fails the calls listed in `failOn` (1-based). */
function bus(failOn: number[] = []) {
  const accepted: DomainEvent[] = [];
  const calls: string[][] = [];
  const events: DomainEvents = {
    async publish(batch) {
      calls.push(batch.map((e) => (e as OutboxEvent).eventId));
      if (failOn.includes(calls.length)) throw new DomainEventsPublishError('rejected');
      accepted.push(...batch);
    },
  };
  return { events, accepted, calls };
}
const ids = (events: DomainEvent[]) => events.map((e) => (e as OutboxEvent).eventId);

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

  it('publishes the batch’s ProfileUpdated events together, after the other events', async () => {
    const b = bus();
    const out = await invoke(b, [
      record('1', [order('a'), updated('1')]),
      record('2', [updated('2')]),
      record('3', [order('b'), updated('3')]),
    ]);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(b.calls).toEqual([['ev_a'], ['ev_b'], ['ev_1', 'ev_2', 'ev_3']]);
  });

  it('publishes the updates of the records before a failed one, and retries from the failed one', async () => {
    const b = bus([2]);
    const out = await invoke(b, [
      record('1', [order('a'), updated('1')]),
      record('2', [order('b'), updated('2')]),
      record('3', [order('c'), updated('3')]),
    ]);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(ids(b.accepted)).toEqual(['ev_a', 'ev_1']);
  });

  it('retries from the first record with an update when the grouped updates fail', async () => {
    const b = bus([3]);
    const out = await invoke(b, [
      record('1', [order('a')]),
      record('2', [updated('2')]),
      record('3', [order('b'), updated('3')]),
    ]);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    // Record 3's order is on the bus already: the retry publishes it again (at least once).
    expect(ids(b.accepted)).toEqual(['ev_a', 'ev_b']);
  });

  it('reports the earlier record when the updates before a failed record fail too', async () => {
    const b = bus([2, 3]);
    const out = await invoke(b, [record('1', [order('a'), updated('1')]), record('2', [order('b')])]);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }] });
    expect(ids(b.accepted)).toEqual(['ev_a']);
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

  it('stores a commit of several events compressed, a lone small event as JSON, and reads both', () => {
    const several = [order('a'), order('b'), order('c'), updated('1')];
    const packed = encodeOutbox(several)!;
    expect(packed.startsWith('br:')).toBe(true);
    expect(packed.length).toBeLessThan(JSON.stringify(several).length * 0.7);
    expect(outboxOf({ outbox: packed })).toEqual(several);
    expect(encodeOutbox([updated('1')])).toBe(JSON.stringify([updated('1')]));
    expect(outboxOf({ outbox: JSON.stringify([updated('1')]) })).toEqual([updated('1')]);
    expect(encodeOutbox([])).toBeUndefined();
    const stream = {
      eventName: 'MODIFY',
      dynamodb: { SequenceNumber: '1', NewImage: { outbox: { S: packed } } },
    };
    expect(outboxEventsOf(stream)).toEqual(several);
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
