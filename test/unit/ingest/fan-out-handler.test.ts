import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createFanOutHandler } from '../../../functions/ingest/fan-out.js';
import { landedBodies } from '../../../shared/adapters/dynamodb/event-landing.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import type { LandedKey } from '../../../shared/ports/events.js';
import { silentLogger } from '../../support/logger.js';
import { MemoryEventStore } from './support.js';

const logger = silentLogger;
const message = (i: number) =>
  ({
    type: 'track',
    event: 'E',
    userId: `u-${i}`,
    messageId: `m-${i}`,
    sourceId: 'web',
  }) as unknown as NormalisedMessage;

/** A stream record of the events table, as Lambda delivers it (binary base64-encoded). */
function record(seq: number, item: Record<string, unknown>) {
  const image = marshall(item) as Record<string, { B?: Uint8Array }>;
  const NewImage = Object.fromEntries(
    Object.entries(image).map(([k, v]) => [k, v.B ? { B: Buffer.from(v.B).toString('base64') } : v]),
  );
  return { eventName: 'INSERT', dynamodb: { SequenceNumber: String(seq), Keys: {}, NewImage } };
}
const landed = (seq: number, messages: NormalisedMessage[]) => {
  const [body] = landedBodies(messages);
  return record(seq, { pk: `L#part${seq}`, sk: 'L#0', n: body!.n, z: body!.z });
};

function setup(events = new MemoryEventStore()) {
  const marked: LandedKey[] = [];
  const handler = createFanOutHandler(
    { events, landing: { markStored: async (k) => void marked.push(k) } },
    logger,
  );
  const run = (records: unknown[], remaining = 100_000) =>
    handler(
      { Records: records } as DynamoDBStreamEvent,
      { getRemainingTimeInMillis: () => remaining } as Context,
    );
  return { events, marked, run };
}

describe('the ingest fan-out handler', () => {
  it('stores landed items as events and marks them, skipping records that are not landed items', async () => {
    const { events, marked, run } = setup();
    const out = await run([
      landed(100, [message(1), message(2)]),
      record(101, { pk: 'P#k1.x', sk: 'M#m-9', m: '{}' }),
      landed(102, [message(3)]),
    ]);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(events.all.map((e) => e.messageId)).toEqual(['m-1', 'm-2', 'm-3']);
    expect(marked.map((k) => k.pk)).toEqual(['L#part100', 'L#part102']);
  });

  it('reports the first item it could not store, so the mapping retries from there', async () => {
    let calls = 0;
    const events = new MemoryEventStore();
    const flaky = {
      putEvents: async (e: readonly NormalisedMessage[]) => {
        if (++calls === 2) throw Object.assign(new Error('x'), { name: 'ThrottlingException' });
        return events.putEvents(e);
      },
    };
    const marked: LandedKey[] = [];
    const handler = createFanOutHandler(
      { events: flaky, landing: { markStored: async (k) => void marked.push(k) } },
      logger,
    );
    const out = await handler(
      {
        Records: [landed(1, [message(1)]), landed(2, [message(2)]), landed(3, [message(3)])],
      } as DynamoDBStreamEvent,
      {} as Context,
    );
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(marked.map((k) => k.pk)).toEqual(['L#part1']);
  });

  it('never drops an undecodable landed item: it and what follows are retried', async () => {
    const { events, run } = setup();
    const out = await run([
      landed(1, [message(1)]),
      record(2, { pk: 'L#bad', sk: 'L#0', n: 3, z: new Uint8Array([1, 2, 3]) }),
      landed(3, [message(3)]),
    ]);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(events.all.map((e) => e.messageId)).toEqual(['m-1']);
  });
});
