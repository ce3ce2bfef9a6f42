import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { toEventItem } from '../../../shared/adapters/dynamodb/event-store.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { testHasher } from '../../support/hasher.js';

let sequence = 1000;

/** A DynamoDB Streams record as Lambda delivers it (binary attributes base64-encoded). */
export function streamRecord(
  message: NormalisedMessage,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
): DynamoDBRecord {
  const image = JSON.parse(
    JSON.stringify(
      marshall(toEventItem(message, 400, testHasher), { removeUndefinedValues: true }),
      (_k, v: unknown) =>
        v instanceof Uint8Array || (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer')
          ? Buffer.from(v as Uint8Array).toString('base64')
          : v,
    ),
  );
  sequence++;
  return {
    eventID: `ev-${sequence}`,
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      SequenceNumber: String(sequence),
      Keys: { pk: image.pk, sk: image.sk },
      ...(eventName === 'REMOVE' ? {} : { NewImage: image }),
      StreamViewType: 'NEW_IMAGE',
    },
  } as DynamoDBRecord;
}

/** A stream event of the messages. */
export function streamEvent(
  messages: readonly NormalisedMessage[],
  eventName: 'INSERT' | 'MODIFY' = 'INSERT',
): DynamoDBStreamEvent {
  return { Records: messages.map((m) => streamRecord(m, eventName)) };
}
