/** Maps AWS SDK errors of provider calls to the send path's failure values. */
import type { ProviderResult } from '../../ports/channels.js';

const THROTTLING = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'LimitExceededException',
  'KMSThrottlingException',
  'RequestLimitExceeded',
]);

const UNAVAILABLE = new Set([
  'InternalServiceError',
  'InternalServerError',
  'InternalErrorException',
  'ServiceUnavailable',
  'InternalFailure',
]);

// The request may have reached the provider and been carried out: its answer was lost.
const ANSWER_LOST = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * Whether the call may have been carried out without the caller hearing so: a request timeout
 * (`TimeoutError`, but not the connection timeout, when nothing was sent) or a connection reset.
 */
export function answerLost(err: unknown): boolean {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (e?.$metadata?.httpStatusCode) return false;
  if (e?.name === 'TimeoutError') return !/without establishing a connection/i.test(e.message ?? '');
  return ANSWER_LOST.has(e?.code ?? '') || /socket hang up/i.test(e?.message ?? '');
}

/**
 * A failed ProviderResult for an error an SDK call threw: throttling and 5xx are retryable; a call
 * whose answer was lost is `provider_timeout` (retryable, but the send path decides: it may have
 * been delivered).
 */
export function providerFailure(
  err: unknown,
  rejections: Readonly<Record<string, string>> = {},
): ProviderResult {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const name = e?.name ?? 'Error';
  if (answerLost(err)) return { ok: false, retryable: true, reason: 'provider_timeout' };
  if (THROTTLING.has(name) || e?.$retryable) return { ok: false, retryable: true, reason: 'throttled' };
  if (UNAVAILABLE.has(name) || (e?.$metadata?.httpStatusCode ?? 0) >= 500) {
    return { ok: false, retryable: true, reason: 'provider_unavailable' };
  }
  const known = rejections[name];
  if (known) return { ok: false, retryable: false, reason: known };
  // Network errors before any response (no $metadata status) are worth a retry.
  if (!e?.$metadata?.httpStatusCode) return { ok: false, retryable: true, reason: 'provider_unreachable' };
  return { ok: false, retryable: false, reason: 'provider_rejected' };
}
