/**
 * EventLanding on the events table: large batches kept in a few items until the fan-out stores them
 * as events (shared/domain/ingest/landing.ts).
 *
 * Item layout (beside the events' `P#…`/`M#…` items; nothing here is keyed by a person):
 *   pk         'L#' + the part's id (a keyed hash of the source and the messages as sent)
 *   sk         'L#' + the item's number within the part (a part over LANDED_ITEM_BYTES compressed
 *              is split in two, recursively)
 *   z          the normalised messages as one JSON array, deflate-compressed (binary)
 *   n          how many messages `z` holds; present only while the item waits to be stored
 *   expiresAt  TTL: while waiting, the events' own retention (a landing never outlives its events);
 *              once stored, LANDED_MARKER_SECONDS
 *   stored     set when the fan-out has stored the messages (then `z` and `n` are removed)
 *
 * The fan-out's stream mapping takes INSERT and MODIFY images of `L#` items that carry `n`; the
 * projector's takes only `M#` items.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LandedItem } from '../../domain/ingest/landing.js';
import type { NormalisedMessage } from '../../domain/ingest/schemas.js';
import { StoreThrottledError } from '../../domain/store-errors.js';
import type { EventLanding, LandedKey, LandingPart, LandResult } from '../../ports/events.js';
import { isThrottle } from './batch-write.js';
import { isConditionalCheckFailed } from './conditions.js';

/** Largest compressed body of one landed item: DynamoDB's item limit is 400 KB, keys and the rest fit. */
export const LANDED_ITEM_BYTES = 350 * 1024;

/** How long a stored part's marker dedupes a re-send of the same messages. */
export const LANDED_MARKER_SECONDS = 86_400;

const DAY_SECONDS = 86_400;

/** The items of one part: its messages compressed, halved until each fits LANDED_ITEM_BYTES. */
export function landedBodies(messages: readonly NormalisedMessage[]): { z: Uint8Array; n: number }[] {
  const z = deflateRawSync(JSON.stringify(messages));
  if (z.length <= LANDED_ITEM_BYTES || messages.length <= 1)
    return [{ z: new Uint8Array(z), n: messages.length }];
  const half = Math.ceil(messages.length / 2);
  return [...landedBodies(messages.slice(0, half)), ...landedBodies(messages.slice(half))];
}

/** Stream images carry binary attributes base64-encoded; unmarshall expects bytes. */
function decodeBinary(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if (typeof v.B === 'string') return { B: Buffer.from(v.B, 'base64') };
  return value;
}

/**
 * The landed item a stream record's new image holds, or undefined when the image is not a landed
 * item waiting to be stored (an event, a marker). Throws when it is one but cannot be decoded.
 */
export function landedItemFromImage(
  recordId: string,
  image: Record<string, unknown>,
): LandedItem | undefined {
  const item = unmarshall(
    Object.fromEntries(Object.entries(image).map(([k, v]) => [k, decodeBinary(v)])) as Record<
      string,
      AttributeValue
    >,
  );
  if (typeof item.pk !== 'string' || !item.pk.startsWith('L#') || typeof item.sk !== 'string')
    return undefined;
  if (item.n === undefined) return undefined;
  if (!(item.z instanceof Uint8Array)) throw new Error('landed item without a body');
  const messages = JSON.parse(inflateRawSync(item.z).toString('utf8')) as unknown;
  if (!Array.isArray(messages) || messages.length !== Number(item.n))
    throw new Error('landed item body does not hold its messages');
  return { recordId, key: { pk: item.pk, sk: item.sk }, messages: messages as NormalisedMessage[] };
}

/** DynamoDB implementation of EventLanding. */
export class DynamoDbEventLanding implements EventLanding {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly retentionDays: number;
      readonly now?: () => Date;
    },
  ) {}

  /**
   * Writes every item of every part at once, each only if its key is free (or holds an expired
   * marker): an item already there is a re-send's, whether waiting or stored, and is left alone.
   */
  async land(parts: readonly LandingPart[]): Promise<LandResult> {
    const nowSeconds = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    const writes = parts.flatMap((part) =>
      landedBodies(part.messages).map((body, i) => ({
        part: part.id,
        key: { pk: `L#${part.id}`, sk: `L#${i}` },
        body,
      })),
    );
    const partsSeen = new Map<string, boolean>();
    let units = 0;
    await Promise.all(
      writes.map(async ({ part, key, body }) => {
        try {
          const out = await this.options.client.send(
            new PutCommand({
              TableName: this.options.tableName,
              Item: {
                ...key,
                z: body.z,
                n: body.n,
                expiresAt: nowSeconds + this.options.retentionDays * DAY_SECONDS,
              },
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
              ExpressionAttributeValues: { ':now': nowSeconds },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
          units += out.ConsumedCapacity?.CapacityUnits ?? 0;
          partsSeen.set(part, partsSeen.get(part) ?? false);
        } catch (err) {
          if (isConditionalCheckFailed(err)) {
            partsSeen.set(part, true);
            return;
          }
          if (isThrottle(err)) throw new StoreThrottledError('the events table throttled a landing write');
          throw err;
        }
      }),
    );
    const already = [...partsSeen.values()].filter(Boolean).length;
    return { landed: partsSeen.size - already, alreadyLanded: already, writeUnits: units };
  }

  async markStored(key: LandedKey): Promise<void> {
    const nowSeconds = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: key.pk, sk: key.sk },
          UpdateExpression: 'SET #stored = :now, expiresAt = :exp REMOVE z, n',
          ExpressionAttributeNames: { '#stored': 'stored' },
          ExpressionAttributeValues: { ':now': nowSeconds, ':exp': nowSeconds + LANDED_MARKER_SECONDS },
        }),
      );
    } catch (err) {
      if (isThrottle(err)) throw new StoreThrottledError('the events table throttled a landing mark');
      throw err;
    }
  }
}
