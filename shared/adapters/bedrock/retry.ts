/** Exponential backoff with full jitter for Bedrock calls that were throttled or timed out. */
import { GenerationUnavailableError } from '../../domain/content/errors.js';

/** Errors worth another attempt: throttling, capacity, a model still loading, timeouts (and any 5xx). */
export const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Retry policy; `sleep` and `random` are injectable so tests run instantly and deterministically. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isRetryable(err: unknown): boolean {
  // A server-side fault is transient whatever its name (the SDK marks it `$fault: 'server'`).
  return (
    err instanceof Error &&
    (RETRYABLE_ERRORS.has(err.name) || (err as { $fault?: unknown }).$fault === 'server')
  );
}

/**
 * Runs `call` with a per-attempt timeout (its AbortSignal), retrying retryable errors up to
 * `maxAttempts` with delays of random × min(maxDelay, base × 2^attempt). When attempts run out,
 * throws GenerationUnavailableError with the last error as cause; other errors pass through.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  operation: string,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const sleep = policy.sleep ?? realSleep;
  const random = policy.random ?? Math.random;
  let last: unknown;
  for (let attempt = 0; attempt < policy.maxAttempts; attempt++) {
    if (attempt > 0) {
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.floor(random() * cap));
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), policy.timeoutMs);
    try {
      return await call(controller.signal);
    } catch (err) {
      if (!isRetryable(err)) throw err;
      last = err;
    } finally {
      clearTimeout(timer);
    }
  }
  const name = last instanceof Error ? last.name : 'unknown';
  throw new GenerationUnavailableError(
    `${operation} failed after ${policy.maxAttempts} attempts (${name}); retry later`,
    { cause: last },
  );
}
