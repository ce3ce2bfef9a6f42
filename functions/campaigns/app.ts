/**
 * The campaigns function: audiences (preview, saved audiences) and campaign runs (estimate, launch,
 * list, progress), the routes of owner `campaigns` in shared/api/contract.ts. The use cases are in
 * shared/domain/campaigns; this file parses, calls and answers.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RouteId } from '../../shared/api/contract.js';
import {
  AudiencePreviewBody,
  type AudienceStore,
  getAudience,
  parseBody,
  previewAudience,
  saveAudience,
} from '../../shared/domain/campaigns/audiences.js';
import { type EstimateDeps, estimateCampaign } from '../../shared/domain/campaigns/estimate.js';
import {
  launchRun,
  type ProgressDeps,
  RunIdParam,
  RunListQuery,
  runProgress,
} from '../../shared/domain/campaigns/runs.js';
import { InvalidRequestError, NotFoundError } from '../../shared/domain/errors.js';
import { MESSAGE_JOURNEY } from '../../shared/domain/journeys/campaign.js';
import { adminRouter, type RouteHandler } from '../../shared/http/admin-router.js';
import { jsonBody } from '../../shared/http/body.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { Logger } from '../../shared/ports/logger.js';

/** Dependencies of the campaigns function. */
export interface CampaignsDeps extends EstimateDeps, Omit<ProgressDeps, 'runs'> {
  readonly audiences: AudienceStore;
  readonly runs: ProgressDeps['runs'];
}

function runIdOf(raw: string | undefined): string {
  const parsed = RunIdParam.safeParse(raw);
  if (!parsed.success) throw new NotFoundError('run_not_found', 'no campaign run has this id');
  return parsed.data;
}

/** The campaigns routes. */
export function createCampaignsHandler(deps: CampaignsDeps, logger: Logger) {
  const handlers: Partial<Record<RouteId, RouteHandler>> = {
    audiencePreview: async ({ event }) => {
      const { audience } = parseBody(AudiencePreviewBody, jsonBody(event));
      const preview = await previewAudience(deps.source, audience, {
        ...(deps.maxProfiles ? { maxProfiles: deps.maxProfiles } : {}),
      });
      logger.info('audience previewed', {
        count: preview.count,
        scanned: preview.scanned,
        complete: preview.complete,
      });
      return jsonResponse(200, preview);
    },
    audienceList: async () => jsonResponse(200, { audiences: await deps.audiences.list() }),
    audienceCreate: async ({ event, caller }) => {
      const saved = await saveAudience(deps.audiences, jsonBody(event), caller.id, deps.now());
      logger.info('audience saved', { audienceId: saved.id });
      return jsonResponse(201, { audience: saved });
    },
    audienceGet: async ({ params }) =>
      jsonResponse(200, { audience: await getAudience(deps.audiences, params.audienceId) }),
    audienceDelete: async ({ params }) => {
      const found = await getAudience(deps.audiences, params.audienceId);
      await deps.audiences.delete(found.id);
      logger.info('audience deleted', { audienceId: found.id });
      return jsonResponse(200, { deleted: found.id });
    },
    campaignEstimate: async ({ event }) => {
      const estimate = await estimateCampaign(deps, jsonBody(event));
      logger.info('campaign estimated', {
        journey: estimate.journey,
        count: estimate.audience.count,
        checked: estimate.checked,
      });
      return jsonResponse(200, estimate);
    },
    campaignLaunch: async ({ event, caller }) => {
      const run = await launchRun(deps, jsonBody(event), caller.id);
      logger.info('campaign launched', { runId: run.runId, journey: run.journey });
      return jsonResponse(201, { run });
    },
    campaignList: async ({ query }) => {
      const q = RunListQuery.safeParse(query);
      if (!q.success) throw new InvalidRequestError('invalid_query', 'invalid query parameters');
      // The campaign journeys a run may name (the form offers them; the launch checks again).
      const journeys = deps.journeys
        .filter((j) => j.enabled && j.trigger.kind === 'campaign' && j.id !== MESSAGE_JOURNEY)
        .map((j) => ({ id: j.id, name: j.name }));
      return jsonResponse(200, { runs: await deps.runs.list(q.data.limit), journeys });
    },
    campaignGet: async ({ params }) => {
      const progress = await runProgress(deps, runIdOf(params.runId));
      return jsonResponse(200, progress);
    },
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(adminRouter('campaigns', handlers));
}
