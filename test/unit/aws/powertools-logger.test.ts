import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lambdaLogger, withLambdaLogging } from '../../../shared/adapters/aws/powertools-logger.js';
import { DependencyUnavailableError, NotFoundError } from '../../../shared/domain/errors.js';
import { httpErrorHandler } from '../../../shared/http/middleware.js';
import { capturePowertoolsOutput } from '../../support/powertools-output.js';

const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

function context(awsRequestId: string): Context {
  return {
    awsRequestId,
    functionName: 'feltfit-send',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:feltfit-send',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/feltfit-send',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10_000,
    done() {},
    fail() {},
    succeed() {},
  };
}

/** The JSON lines Powertools output.lines (INFO on stdout, WARN and ERROR on stderr). */
const output = capturePowertoolsOutput({
  POWERTOOLS_SERVICE_NAME: 'feltfit-send',
  _X_AMZN_TRACE_ID: TRACE,
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
});

describe('the Powertools logger adapter', () => {
  it('prints level, message, service, request id, cold start, trace id and the appended keys', async () => {
    const logger = lambdaLogger(new PowertoolsLogger());
    const handler = withLambdaLogging(logger, async (event: { journey: string }) => {
      logger.appendKeys({ journey: event.journey });
      logger.info('send decided', { channel: 'email', outcome: 'Sent' });
      logger.warn('send outcome unknown, not sent again', { channel: 'email' });
      return 'done';
    });

    expect(await handler({ journey: 'onboarding' }, context('req-1'))).toBe('done');

    expect(output.lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'send decided',
        service: 'feltfit-send',
        function_request_id: 'req-1',
        function_name: 'feltfit-send',
        cold_start: true,
        xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
        journey: 'onboarding',
        channel: 'email',
        outcome: 'Sent',
      }),
      expect.objectContaining({ level: 'WARN', function_request_id: 'req-1', journey: 'onboarding' }),
    ]);
  });

  it('starts each invocation without the keys the previous one appended', async () => {
    const logger = lambdaLogger(new PowertoolsLogger());
    const handler = withLambdaLogging(logger, async (event: { journey?: string }) => {
      if (event.journey) logger.appendKeys({ journey: event.journey });
      logger.info('journey step');
    });

    await handler({ journey: 'onboarding' }, context('req-1'));
    await handler({}, context('req-2'));

    expect(output.lines[0]).toMatchObject({ function_request_id: 'req-1', journey: 'onboarding' });
    expect(output.lines[1]).toMatchObject({ function_request_id: 'req-2', cold_start: false });
    expect(output.lines[1]).not.toHaveProperty('journey');
  });

  it("gives the handler's own middlewares the invocation's context (the error handler's line)", async () => {
    const logger = lambdaLogger(new PowertoolsLogger());
    const app = middy()
      .use(httpErrorHandler(logger))
      .handler(async () => {
        logger.appendKeys({ route: 'batch' });
        throw new DependencyUnavailableError('store down');
      });
    const handler = withLambdaLogging(logger, app);

    const response = await handler({}, context('req-9'));

    expect(response).toMatchObject({ statusCode: 503 });
    expect(output.lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'request failed',
        errorName: 'DependencyUnavailableError',
        function_request_id: 'req-9',
        route: 'batch',
      }),
    ]);
  });

  it('logs a rejected request at info level with its code only', async () => {
    const logger = lambdaLogger(new PowertoolsLogger());
    const app = middy()
      .use(httpErrorHandler(logger))
      .handler(async () => {
        throw new NotFoundError('unknown_route', 'no such ingest route');
      });

    await withLambdaLogging(logger, app)({}, context('req-3'));

    expect(output.lines).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'request rejected', code: 'unknown_route' }),
    ]);
  });
});
