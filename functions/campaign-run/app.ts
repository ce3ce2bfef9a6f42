/**
 * The campaign-run Lambda, the tasks of the campaign-run state machine:
 *   { action: 'plan', input, executionName } → the validated CampaignPlan (or InvalidCampaignRunError,
 *     which the state machine catches and fails the run with, naming what is wrong);
 *   { action: 'page', plan, cursor? } → one page of the audience requested (CampaignPageResult).
 */
import middy from '@middy/core';
import * as z from 'zod';
import {
  type AudienceSource,
  type CampaignEvents,
  type CampaignPageResult,
  type CampaignPlan,
  planCampaignRun,
  type RunMembers,
  runCampaignPage,
} from '../../shared/domain/journeys/campaign.js';
import type { JourneyDefinition } from '../../shared/domain/journeys/definition.js';
import type { Logger } from '../../shared/ports/logger.js';

const Request = z.discriminatedUnion('action', [
  z.object({ action: z.literal('plan'), input: z.unknown(), executionName: z.string().min(1).max(80) }),
  z.object({
    action: z.literal('page'),
    plan: z.custom<CampaignPlan>((v) => typeof v === 'object' && v !== null && 'runId' in v),
    /** `''` on the first page. */
    cursor: z.string().max(4096).default(''),
  }),
]);

export interface CampaignRunDeps {
  readonly journeys: readonly JourneyDefinition[];
  readonly audience: AudienceSource;
  readonly events: CampaignEvents;
  /** Where each page's requested executions are recorded for the run's progress (console). */
  readonly members?: RunMembers;
}

/** Builds the campaign-run handler. */
export function createCampaignRunHandler(deps: CampaignRunDeps, logger: Logger) {
  return middy<unknown, CampaignPlan | CampaignPageResult>().handler(async (event) => {
    const request = Request.parse(event);
    if (request.action === 'plan') {
      const plan = planCampaignRun(request.input, deps.journeys, request.executionName);
      logger.info('campaign run planned', { runId: plan.runId, journey: plan.journey });
      return plan;
    }
    const result = await runCampaignPage(deps, request.plan, request.cursor || undefined);
    logger.info('campaign page', {
      runId: request.plan.runId,
      scanned: result.scanned,
      requested: result.requested,
    });
    return result;
  });
}
