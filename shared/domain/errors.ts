/**
 * Errors that domain code raises for a caller's mistake. Each carries a machine-readable `code`;
 * shared/http maps the class to an HTTP status in one place, so domain code never speaks HTTP.
 */

/** One problem found in a payload, addressed by its JSON path (zod-style). */
export interface Issue {
  readonly path: readonly (string | number)[];
  readonly code: string;
  readonly message: string;
}

/** Base class of every error that is the caller's fault (4xx). Anything else is a server fault. */
export abstract class ClientError extends Error {
  /** Extra fields merged into the error response body (e.g. `issues`, `rejected`). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    readonly code: string,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.details = details;
  }
}

/** The request is malformed, too large or fails validation. */
export class InvalidRequestError extends ClientError {
  override readonly name = 'InvalidRequestError';
}

/** The request's credentials (write key) are missing or not recognised. */
export class UnauthorizedError extends ClientError {
  override readonly name = 'UnauthorizedError';
}

/** The caller is known but may not do this (its role lacks the action). */
export class ForbiddenError extends ClientError {
  override readonly name = 'ForbiddenError';
}

/** The request body uses a content encoding Feltfit does not decode. */
export class UnsupportedMediaTypeError extends ClientError {
  override readonly name = 'UnsupportedMediaTypeError';
}

/** The named resource does not exist. */
export class NotFoundError extends ClientError {
  override readonly name = 'NotFoundError';
}

/** The request conflicts with the current state (e.g. the name is taken). */
export class ConflictError extends ClientError {
  override readonly name = 'ConflictError';
}

/** A dependency (e.g. DynamoDB) failed after retries; the caller may retry later. */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
}
