/**
 * `GET /v1/unsubscribe?token=…` shows a confirmation page with a POST form (link scanners prefetch GETs,
 * so a GET never unsubscribes). `POST /v1/unsubscribe?token=…` unsubscribes: the RFC 8058 one-click post
 * (body `List-Unsubscribe=One-Click`) or the page's form. `GET /v1/unsubscribe?view=preferences&token=…`
 * (a preference-page token) lists the person's marketing channels, each subscribed one with an
 * unsubscribe form. Invalid or expired tokens answer 400 with a code.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  claimsOf,
  preferencesOf,
  type UnsubscribeDeps,
  unsubscribe,
} from '../../shared/domain/channels/unsubscribe.js';
import { ClientError, NotFoundError } from '../../shared/domain/errors.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import type { RecipientSource } from '../../shared/ports/channels.js';
import type { Logger } from '../../shared/ports/logger.js';

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

function rejected(err: unknown, logger: Logger, what: string): APIGatewayProxyStructuredResultV2 {
  if (!(err instanceof ClientError)) throw err;
  logger.info(`${what} link rejected`, { code: err.code });
  return page(
    400,
    'This link does not work',
    `<p>${escapeHtml(err.message)}.</p><p data-code="${err.code}">Code: ${err.code}</p>`,
    err.code,
  );
}

/** The preference page: each marketing channel, subscribed ones with a form posting to unsubscribe. */
async function preferencesPage(
  deps: UnsubscribeDeps & { recipients: RecipientSource },
  token: string | undefined,
): Promise<APIGatewayProxyStructuredResultV2> {
  const prefs = await preferencesOf(deps, token);
  if (!prefs.found) {
    return page(200, 'Your preferences', '<p>We hold no marketing preferences for you.</p>');
  }
  const rows = prefs.channels.map((c) => {
    const name = escapeHtml(CHANNEL_NAMES[c.channel]);
    if (!c.unsubscribeToken) {
      return `<li data-channel="${c.channel}" data-subscribed="false">${name}: not subscribed</li>`;
    }
    // Relative to this page (/v1/unsubscribe), so it posts back here whatever the host.
    const action = `?token=${encodeURIComponent(c.unsubscribeToken)}`;
    return `<li data-channel="${c.channel}" data-subscribed="true">${name}: subscribed <form method="post" action="${escapeHtml(action)}" style="display:inline"><input type="hidden" name="token" value="${escapeHtml(c.unsubscribeToken)}"><button type="submit">Unsubscribe</button></form></li>`;
  });
  return page(200, 'Your preferences', `<ul>${rows.join('')}</ul>`);
}

/** Builds the handler from its dependencies; `recipients` serves the preference page. */
export function createUnsubscribeHandler(
  deps: UnsubscribeDeps & { readonly recipients?: RecipientSource },
  logger: Logger,
) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(async (event) => {
      const method = event.requestContext?.http?.method ?? 'GET';
      const form = new URLSearchParams(bodyText(event));
      const token = event.queryStringParameters?.token ?? form.get('token') ?? undefined;
      if (method === 'GET' && event.queryStringParameters?.view === 'preferences') {
        if (!deps.recipients) throw new NotFoundError('unknown_route', 'no preference page here');
        try {
          return await preferencesPage({ ...deps, recipients: deps.recipients }, token);
        } catch (err) {
          return rejected(err, logger, 'preferences');
        }
      }
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
          return rejected(err, logger, 'unsubscribe');
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
