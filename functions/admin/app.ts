/**
 * The admin Lambda: read-only views for operators and tests. Authorisation happens in front of it
 * (IAM in AWS, a bearer token in the local runtime), so it does not check credentials itself.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { InvalidRequestError, NotFoundError } from '../../shared/domain/errors.js';
import type { Logger } from '../../shared/http/logger.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { EventStore } from '../../shared/ports/events.js';
import type { QuarantineStore } from '../../shared/ports/quarantine.js';

const Limit = z.coerce.number().int().min(1).max(1000).default(100);
const Cursor = z.string().min(1).max(2048).optional();

/** Query of `GET /admin/events`: exactly one of userId / anonymousId. */
export const EventsQuery = z
  .object({
    userId: z.string().min(1).optional(),
    anonymousId: z.string().min(1).optional(),
    limit: Limit,
    cursor: Cursor,
  })
  .superRefine((q, ctx) => {
    if ((q.userId === undefined) === (q.anonymousId === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['userId'],
        message: 'give exactly one of userId or anonymousId',
      });
    }
  });

/** Query of `GET /admin/quarantine`. */
export const QuarantineQuery = z.object({
  reason: z.string().min(1).max(64).optional(),
  limit: Limit,
  cursor: Cursor,
});

function parseQuery<T>(schema: z.ZodType<T>, params: Record<string, string | undefined> | undefined): T {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const missingId = parsed.error.issues.some((i) => i.code === 'custom');
  throw new InvalidRequestError(
    missingId ? 'missing_identifier' : 'invalid_query',
    'invalid query parameters',
    {
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map(String),
        code: i.code,
        message: i.message,
      })),
    },
  );
}

/** Dependencies of the admin function. */
export interface AdminDeps {
  readonly events: Pick<EventStore, 'listByPerson'>;
  readonly quarantine: Pick<QuarantineStore, 'list' | 'countsByReason'>;
}

/** `GET /admin/events` and `GET /admin/quarantine`. */
export function createAdminHandler(deps: AdminDeps, logger: Logger) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(async (event) => {
      const path =
        event.routeKey && event.routeKey !== '$default' ? event.routeKey.split(' ').pop() : event.rawPath;
      if (path === '/admin/events') {
        const q = parseQuery(EventsQuery, event.queryStringParameters);
        const person = q.userId !== undefined ? { userId: q.userId } : { anonymousId: q.anonymousId! };
        const page = await deps.events.listByPerson({
          ...person,
          limit: q.limit,
          ...(q.cursor ? { cursor: q.cursor } : {}),
        });
        // Sorted within the page; pages follow the key (messageId) order, see docs/data-model.md.
        const events = [...page.events].sort(
          (a, b) => a.timestamp.localeCompare(b.timestamp) || a.messageId.localeCompare(b.messageId),
        );
        logger.info('events listed', { count: events.length });
        return jsonResponse(200, { events, ...(page.cursor ? { cursor: page.cursor } : {}) });
      }
      if (path === '/admin/quarantine') {
        const q = parseQuery(QuarantineQuery, event.queryStringParameters);
        const [page, countsByReason] = await Promise.all([
          deps.quarantine.list({
            limit: q.limit,
            ...(q.reason ? { reason: q.reason } : {}),
            ...(q.cursor ? { cursor: q.cursor } : {}),
          }),
          deps.quarantine.countsByReason(),
        ]);
        logger.info('quarantine listed', { count: page.items.length });
        return jsonResponse(200, {
          items: page.items,
          countsByReason,
          ...(page.cursor ? { cursor: page.cursor } : {}),
        });
      }
      throw new NotFoundError('unknown_route', 'no such admin route');
    });
}
