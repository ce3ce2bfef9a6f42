/**
 * The Logger port on Powertools Logger: one JSON line per entry with level, message, service
 * (POWERTOOLS_SERVICE_NAME), timestamp and, inside an invocation, the Lambda request id
 * (function_request_id), cold_start, the function's name, memory and ARN, and the X-Ray trace id
 * (xray_trace_id, from _X_AMZN_TRACE_ID). POWERTOOLS_LOG_LEVEL sets the level (INFO by default).
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger, LogKeys } from '../../ports/logger.js';

/** The port, and the Powertools instance behind it (which the handler's middleware feeds). */
export interface LambdaLogger extends Logger {
  readonly powertools: PowertoolsLogger;
}

/** The function's logger (one per module, built at cold start). */
export function lambdaLogger(powertools = new PowertoolsLogger()): LambdaLogger {
  // Powertools merges an object argument into the line; a copy keeps the caller's object untouched.
  const extra = (keys?: LogKeys) => (keys ? [{ ...keys }] : []);
  return {
    powertools,
    info: (message, keys) => powertools.info(message, ...extra(keys)),
    warn: (message, keys) => powertools.warn(message, ...extra(keys)),
    error: (message, keys) => powertools.error(message, ...extra(keys)),
    appendKeys: (keys) => powertools.appendKeys({ ...keys }),
  };
}

/**
 * Wraps a handler so every line it logs carries the invocation's Lambda context, and the keys it
 * appended are dropped when it ends (the next invocation of a warm instance starts clean). The
 * Powertools middleware is the outermost layer, so the handler's own middlewares log with the context.
 */
export function withLambdaLogging<TEvent, TResult>(
  logger: LambdaLogger,
  handler: (event: TEvent, context: Context) => Promise<TResult>,
) {
  return middy<TEvent, TResult>(handler).use(injectLambdaContext(logger.powertools, { resetKeys: true }));
}
