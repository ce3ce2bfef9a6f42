/**
 * "Train now": the event that asks the trainer for a run outside its weekly schedule — from
 * `feltfit models train`, and from the admin API (`POST /admin/models/train`, through
 * `requestModelTraining`). EventBridge source `feltfit.admin`, detail type `ModelTrainingRequested`;
 * a rule in the intelligence stack delivers it to the trainer, which reads `detail.model` (absent:
 * every model). Pure: no AWS SDK; publishing goes through the ModelTrainingRequests port.
 */
import * as z from 'zod';
import { ModelName } from '../../config/models.js';
import type { ModelTrainingRequests } from '../../ports/models.js';
import { InvalidRequestError } from '../errors.js';
import type { ModelTrainingRequestDetail } from './training-event.js';

// The event's names and detail live beside the port (training-event.ts), which must not import this file.
export * from './training-event.js';

/** What a caller may ask for: the body of `POST /admin/models/train` (`{}` or `{"model":"clv"}`). */
export const ModelTrainingRequestBody = z.object({ model: ModelName.optional() }).strict();
export type ModelTrainingRequestBody = z.infer<typeof ModelTrainingRequestBody>;

/** The event's detail for a request; throws InvalidRequestError naming the field when it is not valid. */
export function buildTrainingRequest(
  body: unknown,
  context: { readonly now: Date; readonly requestId: string; readonly requestedBy?: string },
): ModelTrainingRequestDetail {
  const parsed = ModelTrainingRequestBody.safeParse(body ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path, code: i.code, message: i.message }));
    throw new InvalidRequestError('invalid_request', 'expected {} or {"model": "clv" | "propensity"}', {
      issues,
    });
  }
  return {
    ...(parsed.data.model ? { model: parsed.data.model } : {}),
    requestId: context.requestId,
    requestedAt: context.now.toISOString(),
    ...(context.requestedBy ? { requestedBy: context.requestedBy } : {}),
  };
}

/** What the admin route's use case needs. */
export interface RequestModelTrainingDeps {
  readonly requests: ModelTrainingRequests;
  readonly now: () => Date;
  readonly newId: () => string;
}

/**
 * The use case behind `POST /admin/models/train`: validates the body, publishes one
 * ModelTrainingRequested event and returns its detail (answer 202: training runs asynchronously and
 * its versions appear in the registry, `GET`/`feltfit models list`). Throws InvalidRequestError for a
 * bad body; a publishing failure propagates (a server fault).
 */
export async function requestModelTraining(
  deps: RequestModelTrainingDeps,
  body: unknown,
  requestedBy?: string,
): Promise<{ readonly accepted: true; readonly request: ModelTrainingRequestDetail }> {
  const request = buildTrainingRequest(body, {
    now: deps.now(),
    requestId: deps.newId(),
    ...(requestedBy ? { requestedBy } : {}),
  });
  await deps.requests.publish(request);
  return { accepted: true, request };
}
