/**
 * QuarantineStore on the control table.
 *
 *   pk = 'QUARANTINE#<yyyy-mm-dd>' (UTC day of receipt), sk = '<receivedAt>#<uuid>'
 *     attributes: reason, receivedAt, sourceId?, route?, index?, messageId?, size, sha256, excerpt,
 *     issues?, expiresAt (TTL: receivedAt + retention days)
 *   pk = 'COUNTER#quarantine', sk = '<reason>', n (atomic ADD per put)
 *
 * Listing walks day partitions newest first, from today back `lookbackDays` (default 30): simple,
 * correct, and cheap for a report that is about recent data quality. Older entries stay until their
 * TTL and are still counted in `countsByReason`.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { QuarantineEntry, QuarantineItem, QuarantineStore } from '../../ports/quarantine.js';
import { batchPut, DEFAULT_RETRY, type RetryPolicy } from './batch-write.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const COUNTER_PK = 'COUNTER#quarantine';
const DAY_MS = 86_400_000;

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
    const items = entries.map((e) => ({
      ...e,
      pk: `QUARANTINE#${dayOf(e.receivedAt)}`,
      sk: `${e.receivedAt}#${newId()}`,
      expiresAt: Math.floor(Date.parse(e.receivedAt) / 1000) + this.options.retentionDays * 86_400,
    }));
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e.reason, (counts.get(e.reason) ?? 0) + 1);
    await Promise.all([
      batchPut(this.options.client, this.options.tableName, items, this.options.retry ?? DEFAULT_RETRY),
      ...[...counts].map(([reason, n]) =>
        this.options.client.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: { pk: COUNTER_PK, sk: reason },
            UpdateExpression: 'ADD n :n',
            ExpressionAttributeValues: { ':n': n },
          }),
        ),
      ),
    ]);
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
      for (const item of out.Items ?? []) counts[String(item.sk)] = Number(item.n ?? 0);
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return counts;
  }
}
