import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeDomainEvents } from '../../../shared/adapters/eventbridge/domain-events.js';
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

beforeEach(() => eb.reset());

describe('EventBridge domain events', () => {
  it('puts events on the bus with source feltfit.profiles, the type as detail type, 10 per call', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await publisher().publish(Array.from({ length: 23 }, (_, i) => updated(i)));
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]!.args[0].input.Entries?.[0]).toEqual({
      EventBusName: 'feltfit',
      Source: 'feltfit.profiles',
      DetailType: 'ProfileUpdated',
      Detail: JSON.stringify({ profileId: 'pf_0', changed: ['traits.plan'] }),
    });
  });

  it('retries only the entries EventBridge reports as failed', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: '1' }, { ErrorCode: 'ThrottlingException' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '2' }] });
    await publisher().publish([updated(1), updated(2)]);
    const second = eb.commandCalls(PutEventsCommand)[1]!.args[0].input.Entries!;
    expect(second.map((e) => JSON.parse(e.Detail!).profileId)).toEqual(['pf_2']);
  });

  it('throws a named error when entries keep failing', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    await expect(publisher().publish([updated(1)])).rejects.toBeInstanceOf(DomainEventsPublishError);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(4);
  });

  it('keeps an outbox event’s eventId in the detail', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await publisher().publish([{ ...updated(1), eventId: 'ev_1' }]);
    const entry = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry.DetailType).toBe('ProfileUpdated');
    expect(JSON.parse(entry.Detail!)).toEqual({
      profileId: 'pf_1',
      changed: ['traits.plan'],
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
