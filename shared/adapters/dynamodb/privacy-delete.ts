/** Batch deletion for erasure: BatchWriteItem DeleteRequests, 25 per call, retrying UnprocessedItems. */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../../domain/errors.js';
import { DEFAULT_RETRY, type RetryPolicy } from './batch-write.js';

/** A table key. */
export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

const CHUNK = 25;

/** Deletes the items (deleting a missing item is a no-op); returns how many keys were sent. */
export async function batchDelete(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<number> {
  // A request must not name one key twice.
  const unique = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, { pk: k.pk, sk: k.sk }])).values()];
  for (let i = 0; i < unique.length; i += CHUNK) {
    let requests: Record<string, unknown>[] = unique
      .slice(i, i + CHUNK)
      .map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 1; ; attempt++) {
      const out = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests as never } }),
      );
      const unprocessed = out.UnprocessedItems?.[tableName] ?? [];
      if (unprocessed.length === 0) break;
      if (attempt >= retry.maxAttempts) {
        throw new DependencyUnavailableError(
          `DynamoDB left ${unprocessed.length} deletions unprocessed after ${attempt} attempts`,
        );
      }
      requests = unprocessed as Record<string, unknown>[];
      const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      await retry.sleep(Math.floor(retry.random() * cap));
    }
  }
  return unique.length;
}
