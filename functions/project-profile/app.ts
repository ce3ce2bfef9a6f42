/**
 * The profile projector Lambda: a DynamoDB Streams consumer of the events table. INSERT and MODIFY
 * records are projected (MODIFY is a re-posted message: projection is idempotent); REMOVE records
 * (TTL expiry, erasure) are ignored. Failed records are reported as partial batch failures. Domain
 * events are written to the profile items' outbox in the same write as the profile change.
 */

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { fromEventItem } from '../../shared/adapters/dynamodb/event-store.js';
import {
  type ProjectDeps,
  type ProjectionInput,
  projectEvents,
} from '../../shared/domain/profiles/project.js';
import type { Logger } from '../../shared/ports/logger.js';

/** The part of a stream record the projector reads. */
export const StreamRecord = z.object({
  eventID: z.string().optional(),
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({
    SequenceNumber: z.string().min(1),
    NewImage: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type StreamRecord = z.infer<typeof StreamRecord>;

/** Stream images carry binary attributes base64-encoded; unmarshall expects bytes. */
function decodeBinary(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if (typeof v.B === 'string') return { B: Buffer.from(v.B, 'base64') };
  if (v.M && typeof v.M === 'object') {
    return { M: Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, decodeBinary(x)])) };
  }
  if (Array.isArray(v.L)) return { L: v.L.map(decodeBinary) };
  return value;
}

/** The raw event a stream record holds, or undefined when it is not one. */
export function inputOf(record: unknown): ProjectionInput | 'ignored' | undefined {
  const parsed = StreamRecord.safeParse(record);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  if (r.eventName === 'REMOVE') return 'ignored';
  if (!r.dynamodb.NewImage) return undefined;
  try {
    const image = Object.fromEntries(
      Object.entries(r.dynamodb.NewImage).map(([k, v]) => [k, decodeBinary(v)]),
    );
    const item = unmarshall(image as Record<string, AttributeValue>);
    if (typeof item.pk !== 'string' || typeof item.sk !== 'string' || !item.sk.startsWith('M#'))
      return undefined;
    const message = fromEventItem(item);
    if (!Number.isFinite(Date.parse(message.timestamp))) return undefined;
    return { id: r.dynamodb.SequenceNumber, message, key: { pk: item.pk, sk: item.sk } };
  } catch {
    return undefined;
  }
}

/** Builds the handler from its dependencies. */
export function createProjectProfileHandler(deps: ProjectDeps, logger: Logger) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler(async (event) => {
    const inputs: ProjectionInput[] = [];
    let ignored = 0;
    let undecodable = 0;
    for (const record of event.Records ?? []) {
      const input = inputOf(record);
      if (input === 'ignored') ignored++;
      else if (input === undefined)
        undecodable++; // not retryable: retrying cannot make it decodable
      else inputs.push(input);
    }
    const report = await projectEvents(deps, inputs);
    logger.info('profiles projected', {
      records: event.Records?.length ?? 0,
      ignored,
      undecodable,
      changed: report.changed,
      unchanged: report.unchanged,
      tombstoned: report.tombstoned,
      unidentifiable: report.unidentifiable,
      merged: report.merged,
      refusedMerges: report.refusedMerges,
      published: report.published,
      commits: report.commits,
      failed: report.failed.length,
    });
    return { batchItemFailures: report.failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });
}
