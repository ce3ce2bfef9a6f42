/**
 * Ingest's answers when storage cannot take a request now. Part of the request's events may already
 * be stored: the client is told to retry (which dedupes by messageId), never that the data failed.
 */
import { DependencyUnavailableError } from '../errors.js';
import { StoreThrottledError } from '../store-errors.js';

/** Machine-readable reasons of a retryable ingest answer. */
export type UnavailableReason = 'store_throttled' | 'store_unavailable' | 'time_budget_exhausted';

/** HTTP status and Retry-After (seconds) for each reason. */
export const UNAVAILABLE_ANSWERS: Record<
  UnavailableReason,
  { readonly status: 429 | 503; readonly retryAfterSeconds: number; readonly message: string }
> = {
  store_throttled: {
    status: 429,
    retryAfterSeconds: 2,
    message: 'the event store is throttling writes; retry the same request later',
  },
  store_unavailable: {
    status: 503,
    retryAfterSeconds: 5,
    message: 'the event store is unavailable; retry the same request later',
  },
  time_budget_exhausted: {
    status: 503,
    retryAfterSeconds: 5,
    message: 'the request could not be stored in time; retry the same request later',
  },
};

/** Storage could not take the request now; the client should retry it unchanged after a while. */
export class IngestUnavailableError extends DependencyUnavailableError {
  constructor(readonly reason: UnavailableReason) {
    super(UNAVAILABLE_ANSWERS[reason].message);
  }
}

/** The retryable answer for an error thrown by a store. */
export function unavailableFrom(error: unknown): IngestUnavailableError {
  if (error instanceof IngestUnavailableError) return error;
  return new IngestUnavailableError(
    error instanceof StoreThrottledError ? 'store_throttled' : 'store_unavailable',
  );
}

/**
 * Time kept back from the function's remaining time for answering: serialising the response and
 * handing it to API Gateway, on a loaded machine.
 */
export const ANSWER_MARGIN_MS = 2_000;

/**
 * Runs `work`, rejecting with `time_budget_exhausted` when it is not done `marginMs` before the
 * invocation's end (`remainingMs` is Lambda's getRemainingTimeInMillis). The work is not cancelled:
 * whatever it still writes is written, and a retry of the request dedupes it.
 */
export async function withinBudget<T>(
  work: () => Promise<T>,
  remainingMs: (() => number) | undefined,
  marginMs = ANSWER_MARGIN_MS,
): Promise<T> {
  if (!remainingMs) return work();
  const budget = remainingMs() - marginMs;
  if (budget <= 0) throw new IngestUnavailableError('time_budget_exhausted');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IngestUnavailableError('time_budget_exhausted')), budget);
  });
  try {
    return await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}
