/**
 * The models-admin Lambda: the model inventory, model cards and "train now" for the console and
 * CLI (shared/api/routes/models.ts, owner `models`). Authentication happens in front of it; the
 * router checks each route's action.
 *
 *   GET  /admin/models                    every model, its promoted version and versions with metrics
 *   GET  /admin/models/{model}?version=   a model card (the promoted version unless one is named)
 *   POST /admin/models/train              {} or { model }: publishes ModelTrainingRequested, answers 202
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { InvalidRequestError } from '../../shared/domain/errors.js';
import { modelCardView, modelInventory } from '../../shared/domain/models/inventory.js';
import {
  type RequestModelTrainingDeps,
  requestModelTraining,
} from '../../shared/domain/models/training-request.js';
import { adminRouter } from '../../shared/http/admin-router.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { Logger } from '../../shared/ports/logger.js';
import type { ModelRegistry } from '../../shared/ports/models.js';

export interface ModelsAdminDeps {
  readonly registry: Pick<ModelRegistry, 'list' | 'get' | 'getPromoted'>;
  readonly training: RequestModelTrainingDeps;
}

function parseJson(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidRequestError('invalid_json', 'the body is not valid JSON', {}, { cause: err });
  }
}

/** The models routes. */
export function createModelsAdminHandler(deps: ModelsAdminDeps, logger: Logger) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(
      adminRouter('models', {
        modelsList: async () => jsonResponse(200, await modelInventory(deps.registry)),
        modelGet: async ({ params, query }) =>
          jsonResponse(
            200,
            await modelCardView(deps.registry, { model: params.model, version: query.version }),
          ),
        modelsTrain: async ({ event, caller }) => {
          const accepted = await requestModelTraining(
            deps.training,
            parseJson(event),
            caller.id.slice(0, 200),
          );
          logger.info('model training requested', {
            requestId: accepted.request.requestId,
            model: accepted.request.model ?? 'all',
          });
          return jsonResponse(202, accepted);
        },
      }),
    );
}
