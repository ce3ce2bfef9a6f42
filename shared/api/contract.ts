/**
 * The admin API's one route list: method, path, the action a caller needs, and which function
 * serves it. The CDK constructs add each route from here (twice: IAM for the CLI, JWT for the
 * console — infra/constructs/api.ts), the handlers dispatch on it, and the console calls routes by
 * id, so the three cannot drift. Query and body schemas live beside the use cases they feed and
 * are imported by the handler and the console form alike.
 */

import { AUDIENCE_ROUTES } from './routes/audiences.js';
import { JOURNEY_ROUTES } from './routes/journeys.js';
import { MODEL_ROUTES } from './routes/models.js';
import { OVERVIEW_ROUTES } from './routes/overview.js';
import { type RouteOwner, type RouteSpec, route as r } from './routes/spec.js';
import { SYNCED_AUDIENCE_ROUTES } from './routes/synced-audiences.js';

export type { RouteOwner, RouteSpec } from './routes/spec.js';

/** Every admin route, by id. */
export const ADMIN_ROUTES = {
  me: r('GET', '/admin/me', 'read'),
  events: r('GET', '/admin/events', 'read'),
  quarantine: r('GET', '/admin/quarantine', 'read'),
  quality: r('GET', '/admin/quality', 'read'),
  profileLookup: r('GET', '/admin/profiles', 'read'),
  profileGet: r('GET', '/admin/profiles/{profileId}', 'read'),
  profileExport: r('GET', '/admin/profiles/{profileId}/export', 'erase'),
  profileErase: r('DELETE', '/admin/profiles/{profileId}', 'erase'),
  profileEraseByPost: r('POST', '/admin/profiles/{profileId}/erase', 'erase'),
  profileExportJob: r('POST', '/admin/profiles/{profileId}/export', 'erase'),
  privacyJobGet: r('GET', '/admin/privacy-jobs/{jobId}', 'erase'),
  privacyJobResult: r('GET', '/admin/privacy-jobs/{jobId}/result', 'erase'),
  outbox: r('GET', '/admin/outbox', 'read'),
  contentGenerate: r('POST', '/admin/content/generate', 'launch', 'generate'),
  contentList: r('GET', '/admin/content', 'read', 'content'),
  contentGet: r('GET', '/admin/content/{id}', 'read', 'content'),
  contentReview: r('POST', '/admin/content/{id}/review', 'review', 'content'),
  // Reads: a check or a preview changes nothing, so a viewer may run one.
  contentCheck: r('POST', '/admin/content/{id}/check', 'read', 'content'),
  contentPreview: r('POST', '/admin/content/{id}/preview', 'read', 'content'),
  report: r('GET', '/admin/report', 'read', 'report'),
  // Each area's routes live in its own file under routes/.
  ...AUDIENCE_ROUTES,
  ...JOURNEY_ROUTES,
  ...MODEL_ROUTES,
  ...OVERVIEW_ROUTES,
  ...SYNCED_AUDIENCE_ROUTES,
} as const;

export type RouteId = keyof typeof ADMIN_ROUTES;

/** The routes a function serves. */
export function routesOf(owner: RouteOwner): [RouteId, RouteSpec][] {
  return (Object.entries(ADMIN_ROUTES) as [RouteId, RouteSpec][]).filter(([, s]) => s.owner === owner);
}

/** A path template as a matcher: `{name}` captures one segment. */
export function matcherOf(path: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = path
    .split('/')
    .map((seg) => {
      const m = /^\{([^}]+)\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      params.push(m[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), params };
}

/** Fills a path template: `fillPath('/admin/profiles/{profileId}', { profileId: 'p 1' })`. */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(v);
  });
}
