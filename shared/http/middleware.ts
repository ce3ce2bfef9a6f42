import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ClientError } from '../domain/errors.js';
import type { Logger } from '../ports/logger.js';
import { errorResponse } from './errors.js';

/**
 * Turns any error thrown by the handler into a JSON response (see errors.ts). Client errors are logged
 * at info level with their code; others at error level with the error's class name only, because
 * messages of SDK errors can echo request data.
 */
export function httpErrorHandler(logger: Logger): MiddlewareObj<unknown, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof ClientError) logger.info('request rejected', { code: error.code });
      else logger.error('request failed', { errorName: error instanceof Error ? error.name : typeof error });
      request.response = errorResponse(error);
    },
  };
}
