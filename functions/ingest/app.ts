/** The ingest Lambda, built from its dependencies so tests can run it with any store. */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { NotFoundError } from '../../shared/domain/errors.js';
import { type IngestDeps, ingest, routeFromPath } from '../../shared/domain/ingest/ingest.js';
import type { Logger } from '../../shared/http/logger.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';

/** `POST /v1/{identify,track,page,screen,group,alias,batch}` and the short forms `/v1/{i,t,p,s,g,a,b}`. */
export function createIngestHandler(deps: IngestDeps, logger: Logger) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(async (event) => {
      const route = routeFromPath(event.rawPath ?? '');
      if (!route) throw new NotFoundError('unknown_route', 'no such ingest route');
      const outcome = await ingest(deps, route, event);
      logger.info('events ingested', {
        route,
        sourceId: outcome.sourceId,
        accepted: outcome.accepted,
        rejected: outcome.rejected.length,
      });
      return jsonResponse(200, {
        success: true,
        accepted: outcome.accepted,
        ...(route === 'batch' ? { rejected: outcome.rejected } : {}),
      });
    });
}
