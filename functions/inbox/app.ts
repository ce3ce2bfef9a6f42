/**
 * In-app inbox for apps: `GET /v1/inbox?limit=&cursor=` and `POST /v1/inbox/{messageId}/read`, authorised
 * by `Authorization: Bearer <token>` where the customer's backend signs
 * `token = base64url(profileId.exp).base64url(HMAC-SHA256(secret, base64url(profileId.exp)))`.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { verifyInboxToken } from '../../shared/domain/channels/tokens.js';
import { InvalidRequestError, NotFoundError, UnauthorizedError } from '../../shared/domain/errors.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { InboxStore } from '../../shared/ports/channels.js';
import type { Logger } from '../../shared/ports/logger.js';

export interface InboxDeps {
  readonly inbox: InboxStore;
  readonly secret: string;
  readonly now: () => Date;
}

export const InboxQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
});

const MessageId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

function profileOf(deps: InboxDeps, event: APIGatewayProxyEventV2): string {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) throw new UnauthorizedError('missing_token', 'send Authorization: Bearer <inbox token>');
  const verified = verifyInboxToken(deps.secret, token, deps.now());
  if (!verified.ok) {
    throw new UnauthorizedError(
      verified.code === 'expired' ? 'expired_token' : 'invalid_token',
      'the inbox token is not valid',
    );
  }
  return verified.value.profileId;
}

/** Builds the handler from its dependencies. */
export function createInboxHandler(deps: InboxDeps, logger: Logger) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(async (event) => {
      const method = event.requestContext?.http?.method ?? 'GET';
      const path = event.rawPath ?? '';
      if (method === 'GET' && path === '/v1/inbox') {
        const profileId = profileOf(deps, event);
        const q = InboxQuery.safeParse(event.queryStringParameters ?? {});
        if (!q.success) throw new InvalidRequestError('invalid_query', 'invalid query parameters');
        const page = await deps.inbox.list(profileId, {
          limit: q.data.limit,
          ...(q.data.cursor ? { cursor: q.data.cursor } : {}),
        });
        const messages = page.messages.map(({ profileId: _p, ...m }) => m);
        logger.info('inbox listed', { count: messages.length });
        return jsonResponse(200, { messages, ...(page.cursor ? { cursor: page.cursor } : {}) });
      }
      const read = /^\/v1\/inbox\/([^/]+)\/read$/.exec(path);
      if (method === 'POST' && read) {
        const profileId = profileOf(deps, event);
        const messageId = MessageId.safeParse(
          event.pathParameters?.messageId ?? decodeURIComponent(read[1]!),
        );
        if (!messageId.success) throw new InvalidRequestError('invalid_message_id', 'invalid message id');
        const found = await deps.inbox.markRead(profileId, messageId.data, deps.now().toISOString());
        if (!found) throw new NotFoundError('message_not_found', 'no such message in this inbox');
        return jsonResponse(200, { success: true });
      }
      throw new NotFoundError('unknown_route', 'no such inbox route');
    });
}
