import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  billedEvents,
  domainEventEntries,
  EventBridgeDomainEvents,
  entrySize,
} from '../../../shared/adapters/eventbridge/domain-events.js';
import { DomainEventsPublishError } from '../../../shared/domain/profiles/errors.js';
import type { DomainEvent } from '../../../shared/ports/domain-events.js';

const eb = mockClient(EventBridgeClient);
const noSleep = async () => {};
const publisher = () =>
  new EventBridgeDomainEvents({
    client: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: 'feltfit',
    sleep: noSleep,
  });
const updated = (i: number): DomainEvent => ({
  type: 'ProfileUpdated',
  profileId: `pf_${i}`,
  changed: ['traits.plan'],
});
const order = (i: number): DomainEvent => ({
  type: 'OrderCompleted',
  profileId: `pf_${i}`,
  orderId: `o_${i}`,
  revenue: 10,
  orderCount: 1,
});
const profilesOf = (detail: string | undefined) =>
  (JSON.parse(detail!) as { profiles: { profileId: string }[] }).profiles.map((p) => p.profileId);

beforeEach(() => eb.reset());

describe('EventBridge domain events', () => {
  it('puts events on the bus with source feltfit.profiles, the type as detail type, 10 per call', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await publisher().publish(Array.from({ length: 23 }, (_, i) => order(i)));
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]!.args[0].input.Entries?.[0]).toEqual({
      EventBusName: 'feltfit',
      Source: 'feltfit.profiles',
      DetailType: 'OrderCompleted',
      Detail: JSON.stringify({ profileId: 'pf_0', orderId: 'o_0', revenue: 10, orderCount: 1 }),
    });
  });

  it('groups ProfileUpdated events into ProfilesUpdated entries after the other events', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await publisher().publish([
      { ...updated(1), eventId: 'ev_1' },
      order(1),
      { ...updated(2), eventId: 'ev_2' },
    ]);
    const [call] = eb.commandCalls(PutEventsCommand);
    const entries = call!.args[0].input.Entries!;
    expect(entries.map((e) => e.DetailType)).toEqual(['OrderCompleted', 'ProfilesUpdated']);
    expect(JSON.parse(entries[1]!.Detail!)).toEqual({
      profiles: [
        { profileId: 'pf_1', changed: ['traits.plan'], eventId: 'ev_1' },
        { profileId: 'pf_2', changed: ['traits.plan'], eventId: 'ev_2' },
      ],
    });
  });

  it('keeps every grouped entry within one billed 64 KB event and every call within 256 KB', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const many = Array.from({ length: 3000 }, (_, i) => ({
      ...updated(i),
      eventId: `ev_${'x'.repeat(60)}${i}`,
    }));
    const entries = domainEventEntries(many, 'feltfit');
    expect(entries.length).toBeGreaterThan(1);
    expect(entries.every((e) => entrySize(e) <= 64 * 1024 && billedEvents(e) === 1)).toBe(true);
    expect(entries.flatMap((e) => profilesOf(e.Detail))).toEqual(many.map((_, i) => `pf_${i}`));
    await publisher().publish(many);
    for (const c of eb.commandCalls(PutEventsCommand)) {
      const sizes = c.args[0].input.Entries!.map(entrySize);
      expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(256 * 1024);
    }
    const published = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!);
    expect(published.flatMap((e) => profilesOf(e.Detail))).toHaveLength(3000);
  });

  it('counts an entry’s size as EventBridge bills it', () => {
    const entry = { Source: 'abc', DetailType: 'éé', Detail: 'x'.repeat(64 * 1024) };
    expect(entrySize(entry)).toBe(3 + 4 + 64 * 1024);
    expect(billedEvents(entry)).toBe(2);
    expect(billedEvents({ ...entry, Detail: '{}' })).toBe(1);
  });

  it('retries only the entries EventBridge reports as failed', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: '1' }, { ErrorCode: 'ThrottlingException' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '2' }] });
    await publisher().publish([order(1), order(2)]);
    const second = eb.commandCalls(PutEventsCommand)[1]!.args[0].input.Entries!;
    expect(second.map((e) => JSON.parse(e.Detail!).orderId)).toEqual(['o_2']);
  });

  it('throws a named error when entries keep failing', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    await expect(publisher().publish([updated(1)])).rejects.toBeInstanceOf(DomainEventsPublishError);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(4);
  });

  it('keeps an outbox event’s eventId in the detail', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await publisher().publish([{ ...order(1), eventId: 'ev_1' }]);
    const entry = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry.DetailType).toBe('OrderCompleted');
    expect(JSON.parse(entry.Detail!)).toEqual({
      profileId: 'pf_1',
      orderId: 'o_1',
      revenue: 10,
      orderCount: 1,
      eventId: 'ev_1',
    });
  });

  it('propagates a call that fails whole, so the caller retries the record', async () => {
    eb.on(PutEventsCommand).rejects(new Error('socket hang up'));
    await expect(publisher().publish([updated(1)])).rejects.toThrow('socket hang up');
  });

  it('makes no call for no events', async () => {
    await publisher().publish([]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
