/** The ingest Lambda, built from its dependencies so tests can run it with any store. */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { NotFoundError } from '../../shared/domain/errors.js';
import { type IngestDeps, ingest, routeFromPath } from '../../shared/domain/ingest/ingest.js';
import { IngestUnavailableError, UNAVAILABLE_ANSWERS } from '../../shared/domain/ingest/unavailable.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { Logger } from '../../shared/ports/logger.js';

/** The 429/503 answer with Retry-After for a request storage could not take now. */
function retryLater(error: IngestUnavailableError): APIGatewayProxyStructuredResultV2 {
  const answer = UNAVAILABLE_ANSWERS[error.reason];
  const res = jsonResponse(answer.status, {
    success: false,
    error: { code: error.reason, message: answer.message, retryable: true },
  });
  return { ...res, headers: { ...res.headers, 'retry-after': String(answer.retryAfterSeconds) } };
}

/** `POST /v1/{identify,track,page,screen,group,alias,batch}` and the short forms `/v1/{i,t,p,s,g,a,b}`. */
export function createIngestHandler(deps: IngestDeps, logger: Logger) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(async (event, context) => {
      const route = routeFromPath(event.rawPath ?? '');
      if (!route) throw new NotFoundError('unknown_route', 'no such ingest route');
      // The route on every later line, the error handler's `request failed` included.
      logger.appendKeys({ route });
      const remaining = context?.getRemainingTimeInMillis;
      let outcome: Awaited<ReturnType<typeof ingest>>;
      try {
        outcome = await ingest(
          deps,
          route,
          event,
          typeof remaining === 'function' ? { remainingMs: () => remaining.call(context) } : {},
        );
      } catch (err) {
        if (!(err instanceof IngestUnavailableError)) throw err;
        logger.warn('events not stored, retry asked', { route, reason: err.reason });
        return retryLater(err);
      }
      logger.info('events ingested', {
        route,
        sourceId: outcome.sourceId,
        accepted: outcome.accepted,
        rejected: outcome.rejected.length,
        landed: outcome.landed ?? false,
      });
      return jsonResponse(200, {
        success: true,
        accepted: outcome.accepted,
        ...(route === 'batch' ? { rejected: outcome.rejected } : {}),
      });
    });
}
