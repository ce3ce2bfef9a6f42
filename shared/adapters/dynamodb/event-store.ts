/**
 * EventStore on the events table.
 *
 * Item layout (short names: every attribute-name byte is paid on every write):
 *   pk         'P#' + the keyed hash (`<keyId>.<hex>`, shared/domain/privacy/keyed-hash.ts) of 'u:' + userId,
 *              or of 'a:' + anonymousId when there is no userId.
 *              Identifiers are hashed in keys; the clear ids live only in the (KMS-encrypted) body.
 *   sk         'M#' + messageId — deterministic, so a message posted twice (even racing) is one item.
 *   type       message type
 *   ts         skew-corrected event time (ISO-8601)
 *   receivedAt server receipt time (ISO-8601)
 *   sourceId   source that owns the write key
 *   expiresAt  TTL, epoch seconds = receivedAt + retention days
 *   m          the rest of the normalised message as compact JSON, or
 *   z          the same JSON deflate-compressed (binary) when it exceeds ~900 bytes,
 *              so that most events stay within 1 KB = 1 write unit.
 * Fields held in their own attributes or the key (messageId, type, timestamp, receivedAt, sourceId)
 * are left out of the body and restored on read.
 *
 * A repeated put overwrites the item with the same content (and a later receivedAt); stream consumers
 * should treat MODIFY records of this table as duplicates.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { MessageType, NormalisedMessage } from '../../domain/ingest/schemas.js';
import type { KeyedHasher } from '../../domain/privacy/keyed-hash.js';
import type { EventPage, EventStore, PersonRef, PutEventsResult } from '../../ports/events.js';
import { batchPut, DEFAULT_RETRY, type RetryPolicy } from './batch-write.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/**
 * BatchWriteItem calls in flight for one putEvents: a 2,500-message batch is 100 calls, so 8 at a
 * time keep it near a dozen round trips deep without letting one request flood a throttled table.
 */
export const EVENT_WRITE_PARALLEL = 8;

/** JSON bodies larger than this are stored compressed. */
export const COMPRESS_ABOVE_BYTES = 900;

const DAY_SECONDS = 86_400;

type PersonIds = { userId?: string | undefined; anonymousId?: string | undefined };

const personText = (person: PersonIds) =>
  person.userId !== undefined ? `u:${person.userId}` : `a:${person.anonymousId ?? ''}`;

/** Partition key of a person, under the current hash key: keyed-hashed, never the clear identifier. */
export function personKey(person: PersonIds, hasher: KeyedHasher): string {
  return `P#${hasher.hash(personText(person))}`;
}

/** The person's partition key under every hash key, current first: where a rotation left their events. */
export function personKeys(person: PersonIds, hasher: KeyedHasher): string[] {
  return hasher.candidates(personText(person)).map((h) => `P#${h}`);
}

/** The events-table item for a normalised message. */
export function toEventItem(
  message: NormalisedMessage,
  retentionDays: number,
  hasher: KeyedHasher,
): Record<string, unknown> {
  const { messageId, type, timestamp, receivedAt, sourceId, ...body } = message;
  const json = JSON.stringify(body);
  const item: Record<string, unknown> = {
    pk: personKey(message, hasher),
    sk: `M#${messageId}`,
    type,
    ts: timestamp,
    receivedAt,
    sourceId,
    expiresAt: Math.floor(Date.parse(receivedAt) / 1000) + retentionDays * DAY_SECONDS,
  };
  if (Buffer.byteLength(json, 'utf8') > COMPRESS_ABOVE_BYTES) {
    const compressed = deflateRawSync(json);
    if (compressed.length < Buffer.byteLength(json, 'utf8')) {
      item.z = new Uint8Array(compressed);
      return item;
    }
  }
  item.m = json;
  return item;
}

/** The normalised message an events-table item holds. */
export function fromEventItem(item: Record<string, unknown>): NormalisedMessage {
  const json =
    item.z instanceof Uint8Array
      ? inflateRawSync(item.z).toString('utf8')
      : typeof item.m === 'string'
        ? item.m
        : '{}';
  const body = JSON.parse(json) as Record<string, unknown>;
  return {
    messageId: String(item.sk).slice(2),
    type: item.type as MessageType,
    ...body,
    timestamp: String(item.ts),
    receivedAt: String(item.receivedAt),
    sourceId: String(item.sourceId),
  } as NormalisedMessage;
}

/** DynamoDB implementation of EventStore. */
export class DynamoDbEventStore implements EventStore {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly retentionDays: number;
      /** Hashes the person's identifier into the partition key. */
      readonly hasher: KeyedHasher;
      readonly retry?: RetryPolicy;
      /** BatchWriteItem calls in flight; default EVENT_WRITE_PARALLEL. */
      readonly parallel?: number;
    },
  ) {}

  async putEvents(events: readonly NormalisedMessage[]): Promise<PutEventsResult> {
    // BatchWriteItem rejects a request that names one key twice: keep the first of each.
    const byKey = new Map<string, Record<string, unknown>>();
    for (const event of events) {
      const item = toEventItem(event, this.options.retentionDays, this.options.hasher);
      const key = `${item.pk}|${item.sk}`;
      if (!byKey.has(key)) byKey.set(key, item);
    }
    const items = [...byKey.values()];
    const writeUnits = await batchPut(
      this.options.client,
      this.options.tableName,
      items,
      this.options.retry ?? DEFAULT_RETRY,
      { parallel: this.options.parallel ?? EVENT_WRITE_PARALLEL },
    );
    return { stored: items.length, writeUnits };
  }

  async listByPerson(query: PersonRef & { limit: number; cursor?: string }): Promise<EventPage> {
    // After a key rotation a person's events may sit under each key's partition until the rehash:
    // read them one partition after the other, current key first; the cursor names the partition.
    const pks = personKeys(query, this.options.hasher);
    const start = query.cursor
      ? decodeCursor(
          query.cursor,
          (c) =>
            typeof c.pk === 'string' &&
            pks.includes(c.pk) &&
            typeof c.sk === 'string' &&
            c.sk.startsWith('M#'),
        )
      : undefined;
    const events: NormalisedMessage[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined = start;
    let last: Record<string, unknown> | undefined;
    for (
      let p = start ? pks.indexOf(String(start.pk)) : 0;
      p < pks.length && events.length < query.limit;
      p++
    ) {
      do {
        const out = await this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pks[p] },
            Limit: query.limit - events.length,
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        );
        for (const item of out.Items ?? []) events.push(fromEventItem(item));
        last = out.LastEvaluatedKey;
        exclusiveStartKey = last;
      } while (last && events.length < query.limit);
      // A full page that ended a partition continues with the next one.
      if (!last && events.length >= query.limit && p + 1 < pks.length) {
        last = { pk: pks[p + 1], sk: 'M#' };
      }
    }
    return {
      events,
      ...(last ? { cursor: encodeCursor({ pk: String(last.pk), sk: String(last.sk) }) } : {}),
    };
  }
}
