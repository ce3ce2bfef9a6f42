/**
 * `GET /v1/unsubscribe?token=…` shows a confirmation page with a POST form (link scanners prefetch GETs,
 * so a GET never unsubscribes). `POST /v1/unsubscribe?token=…` unsubscribes: the RFC 8058 one-click post
 * (body `List-Unsubscribe=One-Click`) or the page's form. Invalid or expired tokens answer 400 with a code.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { claimsOf, type UnsubscribeDeps, unsubscribe } from '../../shared/domain/channels/unsubscribe.js';
import { ClientError, NotFoundError } from '../../shared/domain/errors.js';
import type { Logger } from '../../shared/http/logger.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';

const CHANNEL_NAMES = {
  email: 'marketing email',
  sms: 'marketing text messages',
  push: 'marketing notifications',
  inApp: 'in-app marketing messages',
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(status: number, title: string, body: string, code?: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      ...(code ? { 'x-feltfit-error': code } : {}),
    },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto"><h1>${title}</h1>${body}</body></html>`,
  };
}

function bodyText(event: APIGatewayProxyEventV2): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Builds the handler from its dependencies. */
export function createUnsubscribeHandler(deps: UnsubscribeDeps, logger: Logger) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(async (event) => {
      const method = event.requestContext?.http?.method ?? 'GET';
      const form = new URLSearchParams(bodyText(event));
      const token = event.queryStringParameters?.token ?? form.get('token') ?? undefined;
      if (method === 'GET') {
        try {
          const claims = claimsOf(deps.secret, token, deps.now());
          const action = `?token=${encodeURIComponent(token ?? '')}`;
          return page(
            200,
            'Unsubscribe',
            `<p>Stop receiving ${CHANNEL_NAMES[claims.channel]} from us?</p><form method="post" action="${escapeHtml(action)}"><input type="hidden" name="token" value="${escapeHtml(token ?? '')}"><button type="submit">Unsubscribe</button></form>`,
          );
        } catch (err) {
          if (!(err instanceof ClientError)) throw err;
          logger.info('unsubscribe link rejected', { code: err.code });
          return page(
            400,
            'This link does not work',
            `<p>${escapeHtml(err.message)}.</p><p data-code="${err.code}">Code: ${err.code}</p>`,
            err.code,
          );
        }
      }
      if (method !== 'POST') throw new NotFoundError('unknown_route', 'no such unsubscribe route');
      const claims = await unsubscribe(
        deps,
        token,
        form.get('List-Unsubscribe') === 'One-Click' ? 'one_click' : 'form',
      );
      logger.info('unsubscribed', { channel: claims.channel });
      return page(
        200,
        'You are unsubscribed',
        `<p>You will no longer receive ${CHANNEL_NAMES[claims.channel]} from us.</p>`,
      );
    });
}
