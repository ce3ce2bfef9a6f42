/**
 * The ingest fan-out Lambda, built from its dependencies: stores the messages of landed batches
 * (shared/domain/ingest/landing.ts) as events, from the events table's stream.
 */
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { landedItemFromImage } from '../../shared/adapters/dynamodb/event-landing.js';
import { type FanOutDeps, fanOut, type LandedItem } from '../../shared/domain/ingest/landing.js';
import type { Logger } from '../../shared/ports/logger.js';

/** The part of a DynamoDB stream record the fan-out reads. */
const StreamRecord = z.object({
  dynamodb: z.object({
    SequenceNumber: z.string(),
    NewImage: z.optional(z.record(z.string(), z.unknown())),
  }),
});

/**
 * `{ Records }` from the events table's stream (landed items waiting to be stored, by the mapping's
 * filter) in; the partial batch failure from the first record not stored out.
 */
export function createFanOutHandler(deps: FanOutDeps, logger: Logger) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler(async (event, context?: Context) => {
    const items: LandedItem[] = [];
    let undecodable: string | undefined;
    let skipped = 0;
    for (const record of event.Records ?? []) {
      const parsed = StreamRecord.safeParse(record);
      if (!parsed.success) {
        skipped++;
        continue;
      }
      const { SequenceNumber, NewImage } = parsed.data.dynamodb;
      try {
        const item = NewImage ? landedItemFromImage(SequenceNumber, NewImage) : undefined;
        if (item) items.push(item);
        else skipped++;
      } catch (err) {
        // A landed batch is accepted data, never dropped: retried from here, then dead-lettered.
        logger.error('landed item undecodable', { errorName: (err as Error)?.name });
        undecodable = SequenceNumber;
        break;
      }
    }
    const remaining = context?.getRemainingTimeInMillis;
    const report = await fanOut(
      deps,
      items,
      typeof remaining === 'function' ? { remainingMs: () => remaining.call(context) } : {},
    );
    if (report.error)
      logger.warn('landed events not stored, retried', { errorName: (report.error as Error)?.name });
    logger.info('landed events stored', {
      records: event.Records?.length ?? 0,
      items: report.items,
      stored: report.stored,
      left: report.left.length,
      skipped,
    });
    // The mapping retries from the first reported record on.
    const retryFrom = report.left[0] ?? undecodable;
    return { batchItemFailures: retryFrom ? [{ itemIdentifier: retryFrom }] : [] };
  });
}
