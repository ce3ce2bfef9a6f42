import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createAdminHandler } from '../../../functions/admin/app.js';
import { ADMIN_ROUTES } from '../../../shared/api/contract.js';
import { actionsOf } from '../../../shared/api/roles.js';
import { groupsOf } from '../../../shared/http/caller.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent } from '../ingest/support.js';

const logger = silentLogger;
const handler = createAdminHandler(
  {
    events: { listByPerson: async () => ({ events: [] }) },
    quarantine: { list: async () => ({ items: [] }), countsByReason: async () => ({}) },
  },
  logger,
);

/** A console request: the `/api` twin of an admin route, with the JWT authorizer's claims. */
function consoleEvent(method: string, path: string, groups?: string): APIGatewayProxyEventV2 {
  const event = apiEvent(`/api${path}`, undefined, { method });
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      ...(groups !== undefined
        ? {
            authorizer: {
              jwt: { claims: { sub: 's-1', 'cognito:username': 'ann', 'cognito:groups': groups } },
            },
          }
        : {}),
    },
  } as APIGatewayProxyEventV2;
}

async function call(event: APIGatewayProxyEventV2) {
  const res = await handler(event, {} as Context);
  return { status: res.statusCode, body: JSON.parse(res.body ?? 'null') as Record<string, any> };
}

describe('admin API roles', () => {
  it('tells a console user who they are and what they may do', async () => {
    const res = await call(consoleEvent('GET', '/admin/me', '[marketer]'));
    expect(res.status).toBe(200);
    expect(res.body.caller).toEqual({
      kind: 'user',
      id: 'ann',
      roles: ['marketer'],
      actions: ['read', 'launch'],
    });
  });

  it('treats an IAM caller on /admin as an operator with every action', async () => {
    const res = await call(apiEvent('/admin/me', undefined, { method: 'GET' }));
    expect(res.body.caller).toMatchObject({ kind: 'iam', roles: ['admin'] });
    expect(res.body.caller.actions).toContain('erase');
  });

  it('refuses an erasure to a viewer with 403 and the action it lacks', async () => {
    const res = await call(consoleEvent('DELETE', '/admin/profiles/pf_a', '[viewer]'));
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden' });
    expect(res.body.action).toBe('erase');
  });

  it('lets a viewer read', async () => {
    const res = await call(consoleEvent('GET', '/admin/quarantine', '[viewer]'));
    expect(res.status).toBe(200);
  });

  it('answers 401 to a console path that reached the function without claims', async () => {
    const res = await call(consoleEvent('GET', '/admin/quarantine'));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('ignores groups that are not Feltfit roles', async () => {
    const res = await call(consoleEvent('GET', '/admin/me', '[everyone admins]'));
    expect(res.status).toBe(403);
    expect(res.body.roles).toEqual([]);
    expect((await call(consoleEvent('GET', '/admin/quarantine', '[everyone]'))).status).toBe(403);
  });

  it('reads the groups claim in the forms API Gateway and the local runtime pass it', () => {
    expect(groupsOf('[admin marketer]')).toEqual(['admin', 'marketer']);
    expect(groupsOf('["reviewer","viewer"]')).toEqual(['reviewer', 'viewer']);
    expect(groupsOf(['viewer'])).toEqual(['viewer']);
    expect(groupsOf(undefined)).toEqual([]);
  });

  it('grants only a reviewer or an admin the review action, and only an admin erasure and keys', () => {
    expect(actionsOf(['viewer'])).toEqual(['read']);
    expect(actionsOf(['marketer'])).not.toContain('review');
    expect(actionsOf(['reviewer'])).toContain('review');
    expect(actionsOf(['marketer', 'reviewer'])).toEqual(['read', 'launch', 'review']);
    expect(ADMIN_ROUTES.contentReview.action).toBe('review');
    expect(ADMIN_ROUTES.profileErase.action).toBe('erase');
  });
});
