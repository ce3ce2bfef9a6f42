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

/** A failed ProviderResult for an error an SDK call threw: throttling and 5xx are retryable. */
export function providerFailure(
  err: unknown,
  rejections: Readonly<Record<string, string>> = {},
): ProviderResult {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const name = e?.name ?? 'Error';
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
