import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../../domain/errors.js';

/** Retry policy for UnprocessedItems: capped exponential backoff with full jitter. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 25,
  maxDelayMs: 2_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const CHUNK = 25;
const PARALLEL_CHUNKS = 4;

/**
 * Puts items with BatchWriteItem, 25 per call and a few calls in flight, retrying UnprocessedItems.
 * Items must already have distinct keys (DynamoDB rejects a request that repeats a key).
 * Returns the write units DynamoDB reports (ReturnConsumedCapacity TOTAL).
 */
export async function batchPut(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<number> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) chunks.push(items.slice(i, i + CHUNK));
  let units = 0;
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      units += await putChunk(client, tableName, chunk, retry);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CHUNKS, chunks.length) }, worker));
  return units;
}

async function putChunk(
  client: DynamoDBDocumentClient,
  tableName: string,
  chunk: Record<string, unknown>[],
  retry: RetryPolicy,
): Promise<number> {
  let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
  let units = 0;
  for (let attempt = 1; ; attempt++) {
    const out = await client.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: requests }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    units += (out.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
    const unprocessed = out.UnprocessedItems?.[tableName] ?? [];
    if (unprocessed.length === 0) return units;
    if (attempt >= retry.maxAttempts) {
      throw new DependencyUnavailableError(
        `DynamoDB left ${unprocessed.length} items unprocessed after ${attempt} attempts`,
      );
    }
    requests = unprocessed as typeof requests;
    const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    await retry.sleep(Math.floor(retry.random() * cap));
  }
}
