/**
 * The send Lambda, invoked by Step Functions with a send request; returns the typed outcome. Retryable
 * failures are thrown as named errors so a state machine's Retry can match them by name:
 * `ProviderThrottledError` (throttling, contact-pressure contention) and `ProviderUnavailableError`
 * (unavailable, unreachable, a transactional `provider_timeout`, and `send_in_flight`: the step is
 * claimed and its lease still running, so the retry comes back after it to replay or reconcile).
 * An invalid request throws `InvalidSendRequestError` (Catch it; retrying cannot help).
 */
import middy from '@middy/core';
import { type SendOutcome, SendRequest } from '../../shared/domain/channels/schemas.js';
import { type SendDeps, send } from '../../shared/domain/channels/send.js';

/** A retryable failure caused by provider throttling. */
export class ProviderThrottledError extends Error {
  override readonly name = 'ProviderThrottledError';
}

/** A retryable failure: the provider was unavailable or unreachable. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
}

/** The request does not match SendRequest. */
export class InvalidSendRequestError extends Error {
  override readonly name = 'InvalidSendRequestError';
}

const THROTTLED = new Set(['throttled', 'pressure_contention']);

/** Builds the handler from its dependencies. */
export function createSendHandler(deps: SendDeps) {
  return middy<unknown, SendOutcome>().handler(async (event) => {
    const parsed = SendRequest.safeParse(event);
    if (!parsed.success) {
      const paths = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
      throw new InvalidSendRequestError(`invalid send request: ${paths}`);
    }
    const outcome = await send(deps, parsed.data);
    if (outcome.outcome === 'Failed' && outcome.retryable) {
      throw THROTTLED.has(outcome.reason)
        ? new ProviderThrottledError(outcome.reason)
        : new ProviderUnavailableError(outcome.reason);
    }
    return outcome;
  });
}
