/**
 * Outbox publisher bench: the real publish-domain-events handler and EventBridge adapter, fed stream
 * batches the way the Lambda mapping feeds them (100 records, retry from the reported record, the
 * whole batch again after a crash), against a PutEvents that fails 20% of the entries (and 2% of the
 * calls whole) while the function crashes after 20% of its invocations. Prints the events lost
 * (goal 0), how often an event was published, and the publisher's cost per million events.
 */
import type { PutEventsCommand, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createPublishDomainEventsHandler } from '../../functions/publish-domain-events/app.js';
import { billedEvents, EventBridgeDomainEvents } from '../../shared/adapters/eventbridge/domain-events.js';
import { PRICES_USD } from '../../shared/config/prices.js';
import { seededRandom } from '../../shared/domain/random.js';
import type { OutboxEvent } from '../../shared/ports/domain-events.js';
import { silentLogger } from '../support/logger.js';

const RECORDS = 20_000;
const BATCH = 100;
const FAILURE_RATE = 0.2;
const WHOLE_CALL_RATE = 0.02;
const CRASH_RATE = 0.2;
/** Lambda memory of the publisher (infra/constructs/profiles.ts). */
const MEMORY_GB = 0.25;
/** Assumed PutEvents round trip inside a region, for the duration estimate (not measured here). */
const PUT_EVENTS_MS = 30;

/**
 * Stream records of profile commits, like a projector's: each one ProfileUpdated and 0–3 other
 * events (orders, consent changes).
 */
function records(draw: () => number) {
  return Array.from({ length: RECORDS }, (_, i) => {
    const profileId = `pf_${i % 997}`;
    const events: OutboxEvent[] = [
      ...Array.from(
        { length: Math.floor(draw() * 4) },
        (_, k): OutboxEvent => ({
          type: 'OrderCompleted',
          profileId,
          orderId: `o_${i}_${k}`,
          revenue: 10,
          orderCount: k + 1,
          eventId: `ev_${i}_${k}`,
        }),
      ),
      { type: 'ProfileUpdated', profileId, changed: ['lastSeen', 'orders'], eventId: `ev_${i}_u` },
    ];
    return {
      eventName: 'MODIFY',
      eventID: `r${i}`,
      dynamodb: {
        SequenceNumber: String(1e12 + i),
        NewImage: {
          pk: { S: `PROFILE#${profileId}` },
          sk: { S: 'PROFILE' },
          outbox: { S: JSON.stringify(events) },
        },
      },
    };
  });
}

/** The eventIds an entry carries: its own, or those of a grouped ProfilesUpdated entry. */
function eventIdsOf(detail: string): string[] {
  const parsed = JSON.parse(detail) as { eventId?: string; profiles?: { eventId: string }[] };
  return parsed.profiles ? parsed.profiles.map((p) => p.eventId) : [String(parsed.eventId)];
}

type StreamRecord = ReturnType<typeof records>[number];

/** One pass of the stream through the mapping, the handler and EventBridge, faulty or not. */
async function simulate(stream: readonly StreamRecord[], draw: () => number, faults: boolean) {
  const accepted = new Map<string, number>();
  let calls = 0;
  let entries = 0;
  let billed = 0;
  const client = {
    async send(command: PutEventsCommand) {
      calls++;
      if (faults && draw() < WHOLE_CALL_RATE)
        throw Object.assign(new Error('injected'), { name: 'InternalException' });
      const results: PutEventsResultEntry[] = (command.input.Entries ?? []).map((e) => {
        if (faults && draw() < FAILURE_RATE)
          return { ErrorCode: 'InternalFailure', ErrorMessage: 'injected' };
        entries++;
        billed += billedEvents(e);
        for (const id of eventIdsOf(e.Detail!)) accepted.set(id, (accepted.get(id) ?? 0) + 1);
        return { EventId: String(entries) };
      });
      return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
    },
  };
  const events = new EventBridgeDomainEvents({
    client: client as never,
    eventBusName: 'feltfit',
    sleep: async () => undefined,
  });
  const handler = createPublishDomainEventsHandler({ events }, silentLogger);

  // The mapping: a batch from the checkpoint; a reported record moves the checkpoint to it, a crash
  // (after the handler ran: its events are on the bus) or a thrown error leaves it where it was.
  let checkpoint = 0;
  let invocations = 0;
  let crashes = 0;
  let handlerMs = 0;
  while (checkpoint < stream.length) {
    const batch = stream.slice(checkpoint, checkpoint + BATCH);
    invocations++;
    const started = performance.now();
    let failedAt: number | undefined;
    try {
      const out = await handler({ Records: batch } as unknown as DynamoDBStreamEvent, {} as never);
      const failed = out.batchItemFailures[0]?.itemIdentifier;
      failedAt =
        failed === undefined ? batch.length : batch.findIndex((r) => r.dynamodb.SequenceNumber === failed);
    } catch {
      failedAt = 0;
    }
    handlerMs += performance.now() - started;
    if (faults && draw() < CRASH_RATE) {
      crashes++;
      continue;
    }
    checkpoint += failedAt;
  }
  return { accepted, calls, billed, invocations, crashes, handlerMs };
}

/** Runs the bench and prints its figures. */
export async function benchOutbox(): Promise<void> {
  const draw = seededRandom(14); // every run draws the same faults
  const stream = records(draw);
  const outboxes = stream.map((r) => JSON.parse(r.dynamodb.NewImage.outbox.S) as OutboxEvent[]);
  const expected = outboxes.reduce((n, o) => n + o.length, 0);
  const updates = outboxes.reduce((n, o) => n + o.filter((e) => e.type === 'ProfileUpdated').length, 0);
  const clean = await simulate(stream, draw, false);
  const faulty = await simulate(stream, draw, true);

  const lost = expected - faulty.accepted.size;
  const puts = [...faulty.accepted.values()].reduce((a, b) => a + b, 0);
  // Cost per million published events: billed EventBridge events (an entry per started 64 KB),
  // invocations, and GB-seconds of the measured handler time plus an assumed PutEvents round trip.
  const perEvent = (run: Awaited<ReturnType<typeof simulate>>) =>
    (run.billed * PRICES_USD.eventBridgeEvent +
      run.invocations * PRICES_USD.lambdaRequest +
      ((run.calls * PUT_EVENTS_MS + run.handlerMs) / 1000) * MEMORY_GB * PRICES_USD.lambdaArmGbSecond) /
    expected;
  const fmt = (n: number, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log('\n## Outbox publisher');
  console.log(
    `${fmt(RECORDS)} stream records, ${fmt(expected)} domain events (${fmt(updates)} ProfileUpdated, grouped into ProfilesUpdated entries), batches of ${BATCH}; PutEvents fails ${FAILURE_RATE * 100}% of entries and ${WHOLE_CALL_RATE * 100}% of calls, the publisher crashes after ${CRASH_RATE * 100}% of invocations`,
  );
  console.log(
    `events lost: ${fmt(lost)} (goal 0); published ${fmt(puts / expected, 2)}× per event (at least once; consumers act once per eventId); ${fmt(faulty.invocations)} invocations (${fmt(faulty.crashes)} crashed), ${fmt(faulty.calls / expected, 2)} PutEvents calls per event`,
  );
  console.log(
    `billed EventBridge events per domain event: ${fmt(clean.billed / expected, 2)} without faults (${fmt((clean.billed - (expected - updates)) / updates, 3)} per ProfileUpdated), ${fmt(faulty.billed / expected, 2)} at these fault rates`,
  );
  console.log(
    `publisher cost per million events: $${fmt(perEvent(clean) * 1e6, 2)} without faults, $${fmt(perEvent(faulty) * 1e6, 2)} at these fault rates (EventBridge $1.00 per million billed events + Lambda requests + ${MEMORY_GB * 1024} MB × (handler time measured here, ${fmt(clean.handlerMs / clean.invocations, 1)} ms per clean batch, + ${PUT_EVENTS_MS} ms per PutEvents call assumed))`,
  );
}
