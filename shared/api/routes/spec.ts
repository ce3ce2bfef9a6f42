import type { Action } from '../roles.js';

/**
 * The Lambda function that serves a route: one per bounded context, each with only the grants its
 * routes need.
 */
export type RouteOwner = 'admin' | 'content' | 'generate' | 'report' | 'campaigns' | 'journeys' | 'models';

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** API Gateway path template; `{name}` is one path segment. */
  readonly path: string;
  readonly action: Action;
  readonly owner: RouteOwner;
}

/** A route of the list (shared/api/contract.ts). */
export const route = <M extends RouteSpec['method'], P extends string, O extends RouteOwner = 'admin'>(
  method: M,
  path: P,
  action: Action,
  owner?: O,
) => ({ method, path, action, owner: (owner ?? 'admin') as O }) satisfies RouteSpec;
