/**
 * The outbox publisher Lambda: a DynamoDB Streams consumer of the profiles table. Each stream record
 * whose new image carries the `outbox` attribute holds the domain events of one projector commit;
 * they are published to EventBridge in stream order, each with its stable `eventId`. The first
 * record not fully published is reported as a partial batch failure, so Lambda retries from it and
 * nothing after it is published out of order; events of a record are published at least once.
 */
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { OUTBOX_ATTRIBUTE, outboxOf } from '../../shared/adapters/dynamodb/profile-outbox.js';
import type { Logger } from '../../shared/http/logger.js';
import type { DomainEvents, OutboxEvent } from '../../shared/ports/domain-events.js';

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
    for (const record of records) {
      const events = outboxEventsOf(record);
      if (events === undefined) {
        undecodable++; // not retryable: skipped, counted in the log
        continue;
      }
      if (events.length === 0) continue;
      try {
        await deps.events.publish(events);
        published += events.length;
      } catch (err) {
        const sequence = (record as { dynamodb?: { SequenceNumber?: string } }).dynamodb?.SequenceNumber;
        logger.error('outbox publish failed', {
          published,
          undecodable,
          error: err instanceof Error ? err.name : 'unknown',
        });
        // Lambda retries from the lowest failed sequence number: everything from here on, in order.
        if (!sequence) throw err;
        return { batchItemFailures: [{ itemIdentifier: sequence }] };
      }
    }
    logger.info('outbox published', { records: records.length, published, undecodable });
    return { batchItemFailures: [] };
  });
}
