/**
 * The outbox publisher Lambda: a DynamoDB Streams consumer of the profiles table. Each stream record
 * whose new image carries the `outbox` attribute holds the domain events of one projector commit;
 * they are published to EventBridge in stream order, each with its stable `eventId`. The batch's
 * `ProfileUpdated` events (one per commit: most of the entries) are held back and published
 * together at the end, which the EventBridge adapter puts as few grouped `ProfilesUpdated` entries.
 * The first record not fully published is reported as a partial batch failure, so Lambda retries
 * from it: every record before it is fully published (its held-back updates too), nothing after it
 * is published out of order, and events of a record are published at least once.
 */
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { OUTBOX_ATTRIBUTE, outboxOf } from '../../shared/adapters/dynamodb/profile-outbox.js';
import type { DomainEvents, OutboxEvent } from '../../shared/ports/domain-events.js';
import type { Logger } from '../../shared/ports/logger.js';

/** The part of a profiles-table stream record the publisher reads. */
export const OutboxStreamRecord = z.object({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({
    SequenceNumber: z.string().min(1),
    NewImage: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type OutboxStreamRecord = z.infer<typeof OutboxStreamRecord>;

const OutboxValue = z.object({ S: z.string() });

/**
 * The outbox events of a stream record: [] when it holds none (REMOVE, a write without events),
 * undefined when the record or its outbox cannot be decoded (retrying cannot fix that).
 */
export function outboxEventsOf(record: unknown): OutboxEvent[] | undefined {
  const parsed = OutboxStreamRecord.safeParse(record);
  if (!parsed.success) return undefined;
  const { eventName, dynamodb } = parsed.data;
  if (eventName === 'REMOVE' || !dynamodb.NewImage) return [];
  const raw = dynamodb.NewImage[OUTBOX_ATTRIBUTE];
  if (raw === undefined) return [];
  const value = OutboxValue.safeParse(raw);
  if (!value.success) return undefined;
  try {
    return outboxOf({ [OUTBOX_ATTRIBUTE]: value.data.S });
  } catch {
    return undefined;
  }
}

/** What the publisher needs: somewhere to publish. */
export interface PublishDeps {
  readonly events: DomainEvents;
}

/** Builds the handler from its dependencies. */
export function createPublishDomainEventsHandler(deps: PublishDeps, logger: Pick<Logger, 'info' | 'error'>) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler(async (event) => {
    const records = event.Records ?? [];
    let published = 0;
    let undecodable = 0;
    // ProfileUpdated events of the records so far, with the first record that holds one.
    let updates: OutboxEvent[] = [];
    let firstUpdated: string | undefined;
    const failure = (sequence: string, err: unknown): DynamoDBBatchResponse => {
      logger.error('outbox publish failed', {
        published,
        undecodable,
        error: err instanceof Error ? err.name : 'unknown',
      });
      // Lambda retries from the lowest failed sequence number: everything from here on, in order.
      return { batchItemFailures: [{ itemIdentifier: sequence }] };
    };
    /** Publishes the held-back updates; undefined when done, else the response to return. */
    const publishUpdates = async () => {
      if (updates.length === 0 || firstUpdated === undefined) return undefined;
      try {
        await deps.events.publish(updates);
      } catch (err) {
        return failure(firstUpdated, err);
      }
      published += updates.length;
      updates = [];
      firstUpdated = undefined;
      return undefined;
    };
    for (const record of records) {
      const events = outboxEventsOf(record);
      if (events === undefined) {
        undecodable++; // not retryable: skipped, counted in the log
        continue;
      }
      if (events.length === 0) continue;
      // outboxEventsOf decoded the record, so it has a sequence number.
      const sequence = (record as { dynamodb: { SequenceNumber: string } }).dynamodb.SequenceNumber;
      const others = events.filter((e) => e.type !== 'ProfileUpdated');
      if (others.length > 0) {
        try {
          await deps.events.publish(others);
          published += others.length;
        } catch (err) {
          // The records before this one are then fully published; this one is retried whole.
          return (await publishUpdates()) ?? failure(sequence, err);
        }
      }
      if (others.length < events.length) {
        updates.push(...events.filter((e) => e.type === 'ProfileUpdated'));
        firstUpdated ??= sequence;
      }
    }
    const failed = await publishUpdates();
    if (failed) return failed;
    logger.info('outbox published', { records: records.length, published, undecodable });
    return { batchItemFailures: [] };
  });
}
