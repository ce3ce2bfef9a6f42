/**
 * Dispatch for the functions that serve admin routes: finds the route in the one route list
 * (shared/api/contract.ts), checks the caller's action, and calls the function's handler for it.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ADMIN_ROUTES, matcherOf, type RouteId, type RouteOwner, type RouteSpec } from '../api/contract.js';
import type { Caller } from '../api/roles.js';
import { NotFoundError } from '../domain/errors.js';
import { adminPath, requireAction } from './caller.js';

/** What a route handler receives. */
export interface RouteContext {
  readonly event: APIGatewayProxyEventV2;
  readonly caller: Caller;
  /** Path parameters, percent-decoded (raw when the encoding is invalid: validation rejects it). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | undefined>>;
}

export type RouteHandler = (ctx: RouteContext) => Promise<APIGatewayProxyStructuredResultV2>;

const compiled = (Object.entries(ADMIN_ROUTES) as [RouteId, RouteSpec][]).map(([id, spec]) => ({
  id,
  spec,
  ...matcherOf(spec.path),
}));

function decode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** The route a request is for, and its path parameters. */
export function matchRoute(
  event: APIGatewayProxyEventV2,
): { id: RouteId; spec: RouteSpec; params: Record<string, string> } | undefined {
  const keyed = event.routeKey && event.routeKey !== '$default' ? event.routeKey.split(' ') : undefined;
  const method = (keyed?.[0] ?? event.requestContext?.http?.method ?? 'GET').toUpperCase();
  const path = adminPath((event.rawPath ?? keyed?.[1] ?? '').replace(/\/+$/, ''));
  for (const c of compiled) {
    if (c.spec.method !== method) continue;
    const m = c.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    c.params.forEach((name, i) => {
      params[name] = event.pathParameters?.[name] ?? decode(m[i + 1] ?? '');
    });
    return { id: c.id, spec: c.spec, params };
  }
  return undefined;
}

/** Serves `owner`'s routes with `handlers`; other paths answer 404 `unknown_route`. */
export function adminRouter(owner: RouteOwner, handlers: Partial<Record<RouteId, RouteHandler>>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const matched = matchRoute(event);
    const handler = matched && matched.spec.owner === owner ? handlers[matched.id] : undefined;
    if (!matched || !handler) throw new NotFoundError('unknown_route', 'no such admin route');
    const caller = requireAction(event, matched.spec.action);
    return handler({ event, caller, params: matched.params, query: event.queryStringParameters ?? {} });
  };
}
