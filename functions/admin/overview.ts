/**
 * The admin function's console routes for the Overview, a person's activity and Settings: thin
 * handlers over the use cases in shared/domain/activity and shared/domain/sources.ts.
 */
import type { RouteId } from '../../shared/api/contract.js';
import { type ConsoleUsers, CreateSourceBody, type SourceRow } from '../../shared/api/overview.js';
import { type OverviewDeps, overview } from '../../shared/domain/activity/overview.js';
import { type PersonActivityDeps, personActivity } from '../../shared/domain/activity/person.js';
import { InvalidRequestError, NotFoundError } from '../../shared/domain/errors.js';
import { parseProfileId } from '../../shared/domain/privacy/operations.js';
import { createSource, revokeSource, type SourceDeps, SourceName } from '../../shared/domain/sources.js';
import type { RouteHandler } from '../../shared/http/admin-router.js';
import { jsonBody } from '../../shared/http/body.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { Logger } from '../../shared/ports/logger.js';
import type { SourceSeenStore } from '../../shared/ports/privacy.js';

/** What the console routes use; each part absent when the function is not wired for it (404). */
export interface ConsoleRoutesDeps {
  readonly activity?: PersonActivityDeps;
  readonly overview?: OverviewDeps;
  readonly sources?: SourceDeps & { readonly seen: Pick<SourceSeenStore, 'lastSeen'> };
  /** Local console users (the local runtime), or the Cognito user pool in AWS. */
  readonly users: () => Promise<ConsoleUsers>;
}

function required<T>(part: T | undefined): T {
  if (!part) throw new NotFoundError('unknown_route', 'no such admin route');
  return part;
}

/** The routes of shared/api/routes/overview.ts. */
export function consoleRoutes(
  deps: ConsoleRoutesDeps,
  logger: Logger,
): Partial<Record<RouteId, RouteHandler>> {
  return {
    profileActivity: async ({ params }) => {
      const activity = await personActivity(required(deps.activity), parseProfileId(params.profileId));
      logger.info('activity read', {
        messages: activity.messages.length,
        journeys: activity.journeys.length,
        scores: activity.scores.length,
      });
      return jsonResponse(200, activity);
    },
    overview: async () => {
      const out = await overview(required(deps.overview));
      logger.info('overview read', { alerts: out.alerts.length });
      return jsonResponse(200, out);
    },
    sourceList: async () => {
      const s = required(deps.sources);
      const [sources, seen] = await Promise.all([s.sources.list(), s.seen.lastSeen()]);
      const rows: SourceRow[] = sources
        .map((x) => ({ ...x, ...(seen[x.sourceId] ? { lastReceivedAt: seen[x.sourceId] } : {}) }))
        .sort((a, b) => a.name.localeCompare(b.name));
      return jsonResponse(200, { sources: rows });
    },
    sourceCreate: async ({ event }) => {
      const parsed = CreateSourceBody.safeParse(jsonBody(event));
      if (!parsed.success) {
        throw new InvalidRequestError('invalid_body', 'invalid source', {
          issues: parsed.error.issues.map((i) => ({
            path: i.path.map(String),
            code: i.code,
            message: i.message,
          })),
        });
      }
      const created = await createSource(required(deps.sources), parsed.data.name);
      logger.info('source created', { source: created.source.name });
      // The key is in this response only: the store keeps its hash.
      return {
        ...jsonResponse(201, created),
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      };
    },
    sourceRevoke: async ({ params }) => {
      const name = SourceName.safeParse(params.name);
      if (!name.success) throw new NotFoundError('source_not_found', 'no such source');
      await revokeSource(required(deps.sources), name.data);
      logger.info('source revoked', { source: name.data });
      return jsonResponse(200, { name: name.data, status: 'revoked' });
    },
    consoleUsers: async () => jsonResponse(200, await deps.users()),
  };
}
