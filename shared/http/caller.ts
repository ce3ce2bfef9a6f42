/**
 * The caller of an admin route and the route's path, from an API Gateway HTTP API event.
 *
 * Every admin route exists twice with one integration (infra/constructs/api.ts): `/admin/...`,
 * IAM-authorized, for the CLI, and `/api/admin/...`, JWT-authorized, for the console behind
 * CloudFront's `/api/*` behaviour. Handlers see one path (`adminPath`) and one caller (`callerOf`).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Action, actionsOf, type Caller, Role } from '../api/roles.js';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.js';

/** The console's prefix in front of admin paths. */
export const CONSOLE_PREFIX = '/api';

/** Strips the console prefix: `/api/admin/x` → `/admin/x`. */
export function adminPath(path: string): string {
  return path.startsWith(`${CONSOLE_PREFIX}/admin`) ? path.slice(CONSOLE_PREFIX.length) : path;
}

/**
 * Cognito groups as an HTTP API JWT authorizer passes them: an array claim arrives as the string
 * `[admin marketer]` (or a JSON array when a local runtime builds the event).
 */
export function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string') return [];
  const text = claim.trim();
  if (text.startsWith('[') && text.includes('"')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // fall through to the space-separated form
    }
  }
  return text
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

interface AuthorizerContext {
  iam?: { userArn?: unknown };
  jwt?: { claims?: Record<string, unknown> };
}

/**
 * Who called. IAM callers are operators (all actions; IAM policy is their bound); JWT callers
 * have the actions of their groups; anything else reached the function without an authorizer
 * and is refused.
 */
export function callerOf(event: APIGatewayProxyEventV2): Caller {
  const authorizer = (event.requestContext as { authorizer?: AuthorizerContext } | undefined)?.authorizer;
  const claims = authorizer?.jwt?.claims;
  if (claims) {
    const roles = groupsOf(claims['cognito:groups']).flatMap((g) => {
      const r = Role.safeParse(g);
      return r.success ? [r.data] : [];
    });
    const id = String(claims['cognito:username'] ?? claims.username ?? claims.sub ?? 'unknown-user');
    return { kind: 'user', id, roles, actions: actionsOf(roles) };
  }
  const arn = authorizer?.iam?.userArn;
  if (!(event.rawPath ?? '').startsWith(CONSOLE_PREFIX)) {
    // IAM-authorized route (API Gateway checked SigV4; locally, the admin bearer token).
    return {
      kind: 'iam',
      id: typeof arn === 'string' && arn.length > 0 ? arn : 'admin-api',
      roles: ['admin'],
      actions: actionsOf(['admin']),
    };
  }
  throw new UnauthorizedError('unauthenticated', 'sign in to use the console API');
}

/** The caller, if it may perform `action`; otherwise a 403 naming the action. */
export function requireAction(event: APIGatewayProxyEventV2, action: Action): Caller {
  const caller = callerOf(event);
  if (!caller.actions.includes(action)) {
    throw new ForbiddenError('forbidden', `your role may not ${ACTION_TEXT[action]}`, {
      action,
      roles: caller.roles,
    });
  }
  return caller;
}

const ACTION_TEXT: Record<Action, string> = {
  read: 'read this',
  launch: 'launch campaigns or change journeys and audiences',
  review: 'review content',
  erase: 'erase or export personal data',
  manageKeys: 'manage sources and write keys',
};
