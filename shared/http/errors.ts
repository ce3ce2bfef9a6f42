/**
 * The one place where errors become HTTP responses. Client errors show their code, message and
 * details; anything else is a 500 with a generic body — no stack, no message, no personal data.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ClientError,
  ConflictError,
  DependencyUnavailableError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../domain/errors.js';
import { jsonResponse } from './response.js';

/** HTTP status for an error. */
export function httpStatusOf(error: unknown): number {
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof UnsupportedMediaTypeError) return 415;
  if (error instanceof InvalidRequestError) return 400;
  if (error instanceof ClientError) return 400;
  if (error instanceof DependencyUnavailableError) return 503;
  return 500;
}

/** The response body and status for an error. */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  const status = httpStatusOf(error);
  if (error instanceof ClientError) {
    const { issues, ...rest } = error.details as { issues?: unknown } & Record<string, unknown>;
    return jsonResponse(status, {
      success: false,
      error: { code: error.code, message: error.message, ...(issues ? { issues } : {}) },
      ...rest,
    });
  }
  return jsonResponse(status, {
    success: false,
    error:
      status === 503
        ? { code: 'service_unavailable', message: 'temporarily unavailable, retry later' }
        : { code: 'internal_error', message: 'internal error' },
  });
}
