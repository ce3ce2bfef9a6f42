import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreThrottledError } from '../../domain/store-errors.js';

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

/** Errors DynamoDB throws when a table or the account lacks capacity (after the SDK's own retries). */
const THROTTLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** True when an error thrown by a DynamoDB call means "out of capacity, retry later". */
export function isThrottle(error: unknown): boolean {
  return error instanceof Error && THROTTLE_ERRORS.has(error.name);
}

/**
 * Puts items with BatchWriteItem, 25 per call and a few calls in flight, retrying UnprocessedItems.
 * Items must already have distinct keys (DynamoDB rejects a request that repeats a key).
 * Throttling (thrown, or items left unprocessed) is retried with the policy's backoff; when attempts run
 * out it throws StoreThrottledError, and the chunks already written stay written.
 * Returns the write units DynamoDB reports (ReturnConsumedCapacity TOTAL).
 */
export async function batchPut(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
  retry: RetryPolicy = DEFAULT_RETRY,
  options: { readonly parallel?: number } = {},
): Promise<number> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) chunks.push(items.slice(i, i + CHUNK));
  let units = 0;
  let next = 0;
  let failed = false;
  const worker = async () => {
    // After one chunk has failed, the others stop taking new chunks: the call fails anyway.
    while (next < chunks.length && !failed) {
      const chunk = chunks[next++]!;
      try {
        units += await putChunk(client, tableName, chunk, retry);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const parallel = Math.max(1, options.parallel ?? PARALLEL_CHUNKS);
  await Promise.all(Array.from({ length: Math.min(parallel, chunks.length) }, worker));
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
    let unprocessed: typeof requests;
    try {
      const out = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests }, ReturnConsumedCapacity: 'TOTAL' }),
      );
      units += (out.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      unprocessed = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    } catch (err) {
      if (!isThrottle(err)) throw err;
      unprocessed = requests; // a throttled call wrote nothing
    }
    if (unprocessed.length === 0) return units;
    if (attempt >= retry.maxAttempts) {
      throw new StoreThrottledError(
        `DynamoDB left ${unprocessed.length} items unprocessed after ${attempt} attempts`,
      );
    }
    requests = unprocessed;
    const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    await retry.sleep(Math.floor(retry.random() * cap));
  }
}
