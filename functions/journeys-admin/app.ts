/**
 * The journeys-admin Lambda: journeys with their counts, a journey's compiled graph with per-state
 * counts and a person's executions, pause and resume, and the delivery log
 * (shared/api/routes/journeys.ts, owner `journeys`). Authentication happens in front of it; the
 * router checks each route's action.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod';
import {
  listMessages,
  type MessageLogReader,
  MessagesQuery,
} from '../../shared/domain/channels/message-log.js';
import { InvalidRequestError } from '../../shared/domain/errors.js';
import {
  getJourney,
  type JourneyDeps,
  JourneyIdParam,
  JourneyQuery,
  listJourneys,
  setPaused,
} from '../../shared/domain/journeys/admin.js';
import { adminRouter, type RouteContext } from '../../shared/http/admin-router.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { Logger } from '../../shared/ports/logger.js';

export interface JourneysAdminDeps extends JourneyDeps {
  readonly messages: MessageLogReader;
  readonly now: () => Date;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, code: string, at: string[] = []): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidRequestError(code, 'invalid request', {
    issues: parsed.error.issues.map((i) => ({
      path: [...at, ...i.path.map(String)],
      code: i.code,
      message: i.message,
    })),
  });
}

const journeyIdOf = (ctx: RouteContext) =>
  parse(JourneyIdParam, ctx.params.journeyId, 'invalid_journey_id', ['journeyId']);

/** Builds the handler from its dependencies. */
export function createJourneysAdminHandler(deps: JourneysAdminDeps, logger: Logger) {
  const pause = (paused: boolean) => async (ctx: RouteContext) => {
    const id = journeyIdOf(ctx);
    const result = await setPaused(deps, id, paused, ctx.caller.id.slice(0, 200), deps.now());
    logger.info(paused ? 'journey paused' : 'journey resumed', { journey: id });
    return jsonResponse(200, result);
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(
      adminRouter('journeys', {
        journeysList: async () => {
          const journeys = await listJourneys(deps);
          logger.info('journeys listed', { count: journeys.length });
          return jsonResponse(200, { journeys });
        },
        journeyGet: async (ctx) => {
          const id = journeyIdOf(ctx);
          const query = parse(JourneyQuery, ctx.query, 'invalid_query');
          const journey = await getJourney(deps, id, query);
          logger.info('journey read', {
            journey: id,
            sampled: journey.sample.executions,
            person: query.profileId !== undefined,
          });
          return jsonResponse(200, { journey });
        },
        journeyPause: pause(true),
        journeyResume: pause(false),
        messagesList: async (ctx) => {
          const query = parse(MessagesQuery, ctx.query, 'invalid_query');
          const page = await listMessages(deps.messages, query);
          logger.info('messages listed', { count: page.messages.length });
          return jsonResponse(200, page);
        },
      }),
    );
}
