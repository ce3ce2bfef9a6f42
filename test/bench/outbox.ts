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
import { EventBridgeDomainEvents } from '../../shared/adapters/eventbridge/domain-events.js';
import { PRICES_USD } from '../../shared/config/prices.js';
import { seededRandom } from '../../shared/domain/experiments/bandit.js';
import { silentLogger } from '../../shared/http/logger.js';
import type { OutboxEvent } from '../../shared/ports/domain-events.js';

const RECORDS = 20_000;
const BATCH = 100;
const FAILURE_RATE = 0.2;
const WHOLE_CALL_RATE = 0.02;
const CRASH_RATE = 0.2;
/** Lambda memory of the publisher (infra/constructs/profiles.ts). */
const MEMORY_GB = 0.25;
/** Assumed PutEvents round trip inside a region, for the duration estimate (not measured here). */
const PUT_EVENTS_MS = 30;

/** Stream records of profile commits: 1–4 domain events each, like a projector's commits. */
function records(draw: () => number) {
  return Array.from({ length: RECORDS }, (_, i) => {
    const events: OutboxEvent[] = Array.from({ length: 1 + Math.floor(draw() * 4) }, (_, k) => ({
      type: 'ProfileUpdated',
      profileId: `pf_${i % 997}`,
      changed: ['traits.plan'],
      eventId: `ev_${i}_${k}`,
    }));
    return {
      eventName: 'MODIFY',
      eventID: `r${i}`,
      dynamodb: {
        SequenceNumber: String(1e12 + i),
        NewImage: {
          pk: { S: `PROFILE#pf_${i % 997}` },
          sk: { S: 'PROFILE' },
          outbox: { S: JSON.stringify(events) },
        },
      },
    };
  });
}

/** Runs the bench and prints its figures. */
export async function benchOutbox(): Promise<void> {
  const draw = seededRandom(14); // every run draws the same faults
  const stream = records(draw);
  const expected = stream.reduce(
    (n, r) => n + (JSON.parse(r.dynamodb.NewImage.outbox.S) as unknown[]).length,
    0,
  );
  const accepted = new Map<string, number>();
  let calls = 0;
  const client = {
    async send(command: PutEventsCommand) {
      calls++;
      if (draw() < WHOLE_CALL_RATE) throw Object.assign(new Error('injected'), { name: 'InternalException' });
      const entries = command.input.Entries ?? [];
      const results: PutEventsResultEntry[] = entries.map((e) => {
        if (draw() < FAILURE_RATE) return { ErrorCode: 'InternalFailure', ErrorMessage: 'injected' };
        const id = (JSON.parse(e.Detail!) as { eventId: string }).eventId;
        accepted.set(id, (accepted.get(id) ?? 0) + 1);
        return { EventId: id };
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
    if (draw() < CRASH_RATE) {
      crashes++;
      continue;
    }
    checkpoint += failedAt;
  }

  const lost = expected - accepted.size;
  const puts = [...accepted.values()].reduce((a, b) => a + b, 0);
  // Cost per million published events at the rates above, and without faults (one put per event,
  // one invocation per 100 records, one PutEvents call per record of ≤ 10 events).
  const perEvent = (entries: number, invocationCount: number, putCalls: number) =>
    (entries * PRICES_USD.eventBridgeEvent +
      invocationCount * PRICES_USD.lambdaRequest +
      ((putCalls * PUT_EVENTS_MS + (handlerMs / invocations) * invocationCount) / 1000) *
        MEMORY_GB *
        PRICES_USD.lambdaArmGbSecond) /
    expected;
  const clean = perEvent(expected, Math.ceil(RECORDS / BATCH), RECORDS);
  const faulty = perEvent(puts, invocations, calls);
  const fmt = (n: number, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log('\n## Outbox publisher');
  console.log(
    `${fmt(RECORDS)} stream records, ${fmt(expected)} domain events, batches of ${BATCH}; PutEvents fails ${FAILURE_RATE * 100}% of entries and ${WHOLE_CALL_RATE * 100}% of calls, the publisher crashes after ${CRASH_RATE * 100}% of invocations`,
  );
  console.log(
    `events lost: ${fmt(lost)} (goal 0); published ${fmt(puts / expected, 2)}× per event (at least once; consumers act once per eventId); ${fmt(invocations)} invocations (${fmt(crashes)} crashed), ${fmt(calls / expected, 2)} PutEvents calls per event`,
  );
  console.log(
    `publisher cost per million events: $${fmt(clean * 1e6, 2)} without faults, $${fmt(faulty * 1e6, 2)} at these fault rates (EventBridge $1.00 per million entries + Lambda requests + ${MEMORY_GB * 1024} MB × (handler time ${fmt(handlerMs / invocations, 1)} ms per batch measured here + ${PUT_EVENTS_MS} ms per PutEvents call assumed))`,
  );
}
