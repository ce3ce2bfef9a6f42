/**
 * QuarantineStore on the control table.
 *
 *   pk = 'QUARANTINE#<yyyy-mm-dd>' (UTC day of receipt), sk = '<receivedAt>#<uuid>'
 *     attributes: reason, receivedAt, sourceId?, route?, index?, messageId?, size, sha256, excerpt,
 *     issues?, expiresAt (TTL: receivedAt + retention days)
 *   pk = 'QSEEN#<sourceId>#<messageId>#<sha256>', sk = 'seen', expiresAt: the message was quarantined
 *   pk = 'COUNTER#quarantine', sk = '<reason>#<shard 0-7>', n (atomic ADD, in the same transaction)
 *
 * A message is stored and counted once per source, id and content: a client retrying a batch after a
 * 429/503 (as the SDKs do) does not multiply its rejected messages.
 *
 * Listing walks day partitions newest first, from today back `lookbackDays` (default 30): simple,
 * correct, and cheap for a report that is about recent data quality. Older entries stay until their
 * TTL and are still counted in `countsByReason`.
 */
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { StoreThrottledError } from '../../domain/store-errors.js';
import type { QuarantineEntry, QuarantineItem, QuarantineStore } from '../../ports/quarantine.js';
import { DEFAULT_RETRY, isThrottle, type RetryPolicy } from './batch-write.js';
import { isConditionalCheckFailed } from './conditions.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const COUNTER_PK = 'COUNTER#quarantine';
const DAY_MS = 86_400_000;
/** Entries per transaction: a marker and an entry each, plus a counter per reason, within 100 items. */
const CHUNK_ENTRIES = 40;
const PARALLEL_CHUNKS = 4;
/** Counter items per reason, so concurrent transactions rarely meet on one item (TransactionConflict). */
const COUNTER_SHARDS = 8;

/**
 * The marker of a message already quarantined: per source, message id and content, so a client's
 * retry of the same batch adds nothing, while a different message reusing an id still counts.
 */
function seenKey(e: QuarantineEntry): { pk: string; sk: string } {
  return { pk: `QSEEN#${e.sourceId ?? '-'}#${e.messageId}#${e.sha256}`, sk: 'seen' };
}

const dayOf = (iso: string) => iso.slice(0, 10);

/** DynamoDB implementation of QuarantineStore. */
export class DynamoDbQuarantineStore implements QuarantineStore {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly retentionDays: number;
      readonly lookbackDays?: number;
      readonly now?: () => Date;
      readonly newId?: () => string;
      readonly retry?: RetryPolicy;
    },
  ) {}

  async put(entries: readonly QuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const newId = this.options.newId ?? randomUUID;
    const retry = this.options.retry ?? DEFAULT_RETRY;
    const pending = entries.map((e) => ({
      reason: e.reason,
      seen: e.messageId === undefined ? undefined : seenKey(e),
      item: {
        ...e,
        pk: `QUARANTINE#${dayOf(e.receivedAt)}`,
        sk: `${e.receivedAt}#${newId()}`,
        expiresAt: this.expiresAt(e.receivedAt),
      },
    }));
    const chunks: (typeof pending)[] = [];
    for (let i = 0; i < pending.length; i += CHUNK_ENTRIES) chunks.push(pending.slice(i, i + CHUNK_ENTRIES));
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) await this.putChunk(chunks[next++]!, retry);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_CHUNKS, chunks.length) }, worker));
  }

  /**
   * One transaction per chunk: a "seen" marker per message (conditional on its absence), the entry,
   * and the per-reason counters. A message already seen (a client's retry of a batch) is dropped from
   * the chunk and the rest is written, so an entry is stored and counted once, never half.
   */
  private async putChunk(
    chunk: readonly { reason: string; seen?: { pk: string; sk: string }; item: Record<string, unknown> }[],
    retry: RetryPolicy,
  ): Promise<void> {
    let rest = [...new Map(chunk.map((c) => [c.seen ? `${c.seen.pk} ${c.seen.sk}` : c.item.sk, c])).values()];
    for (let attempt = 1; rest.length > 0; attempt++) {
      const counts = new Map<string, number>();
      for (const c of rest) counts.set(c.reason, (counts.get(c.reason) ?? 0) + 1);
      const markers = rest.filter((c) => c.seen);
      const TransactItems = [
        ...markers.map((c) => ({
          Put: {
            TableName: this.options.tableName,
            Item: { ...c.seen, expiresAt: c.item.expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        })),
        ...rest.map((c) => ({ Put: { TableName: this.options.tableName, Item: c.item } })),
        ...[...counts].map(([reason, n]) => ({
          Update: {
            TableName: this.options.tableName,
            Key: { pk: COUNTER_PK, sk: `${reason}#${Math.floor(retry.random() * COUNTER_SHARDS)}` },
            UpdateExpression: 'ADD n :n',
            ExpressionAttributeValues: { ':n': n },
          },
        })),
      ];
      try {
        await this.options.client.send(new TransactWriteCommand({ TransactItems }));
        return;
      } catch (err) {
        if (!(err instanceof TransactionCanceledException) && !isThrottle(err)) throw err;
        const duplicates = new Set(
          markers.filter((_, i) => isConditionalCheckFailed(err, i)).map((c) => c.seen!.pk),
        );
        if (duplicates.size > 0) {
          // Already quarantined by an earlier delivery of the same message: drop those, write the rest.
          rest = rest.filter((c) => !c.seen || !duplicates.has(c.seen.pk));
          continue;
        }
        // TransactionConflict (a concurrent write to a counter shard) or throttling: back off.
        if (attempt >= retry.maxAttempts) {
          throw new StoreThrottledError(`quarantine write not done after ${attempt} attempts`, {
            cause: err,
          });
        }
        const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
        await retry.sleep(Math.floor(retry.random() * cap));
      }
    }
  }

  private expiresAt(receivedAt: string): number {
    return Math.floor(Date.parse(receivedAt) / 1000) + this.options.retentionDays * 86_400;
  }

  async list(query: { reason?: string; limit: number; cursor?: string }): Promise<{
    items: QuarantineItem[];
    cursor?: string;
  }> {
    const now = (this.options.now ?? (() => new Date()))();
    const lookback = this.options.lookbackDays ?? 30;
    const days = Array.from({ length: lookback }, (_, i) =>
      dayOf(new Date(now.getTime() - i * DAY_MS).toISOString()),
    );
    let dayIndex = 0;
    let startKey: Record<string, unknown> | undefined;
    if (query.cursor) {
      const c = decodeCursor(
        query.cursor,
        (v) => days.includes(v.day ?? '') && (v.r ?? '') === (query.reason ?? ''),
      );
      dayIndex = days.indexOf(c.day!);
      startKey = c.sk ? { pk: `QUARANTINE#${c.day}`, sk: c.sk } : undefined;
    }
    const items: QuarantineItem[] = [];
    while (dayIndex < days.length && items.length < query.limit) {
      const day = days[dayIndex]!;
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ScanIndexForward: false,
          Limit: query.limit - items.length,
          ExpressionAttributeValues: {
            ':pk': `QUARANTINE#${day}`,
            ...(query.reason ? { ':r': query.reason } : {}),
          },
          ...(query.reason ? { FilterExpression: 'reason = :r' } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const raw of out.Items ?? []) {
        const { pk: _pk, sk, expiresAt: _exp, ...rest } = raw;
        items.push({ ...(rest as QuarantineEntry), id: String(sk) });
      }
      if (out.LastEvaluatedKey) startKey = out.LastEvaluatedKey;
      else {
        startKey = undefined;
        dayIndex++;
      }
    }
    const more = dayIndex < days.length;
    return {
      items,
      ...(more
        ? {
            cursor: encodeCursor({
              day: days[dayIndex]!,
              ...(startKey ? { sk: String(startKey.sk) } : {}),
              r: query.reason ?? '',
            }),
          }
        : {}),
    };
  }

  async countsByReason(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': COUNTER_PK },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        // sk is '<reason>#<shard>' (or a bare '<reason>' written before counters were sharded).
        const reason = String(item.sk).replace(/#\d+$/, '');
        counts[reason] = (counts[reason] ?? 0) + Number(item.n ?? 0);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return counts;
  }
}
