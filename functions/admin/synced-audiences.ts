/**
 * The admin function's synced-audience routes (shared/api/routes/synced-audiences.ts): thin handlers
 * over the use cases in shared/domain/audiences/admin.ts.
 */
import type { RouteId } from '../../shared/api/contract.js';
import {
  type CountBudget,
  CountQuery,
  countAudience,
  createAudienceDefinition,
  getAudienceDefinition,
  updateAudienceDefinition,
} from '../../shared/domain/audiences/admin.js';
import { issuesOf } from '../../shared/domain/campaigns/audiences.js';
import { InvalidRequestError, NotFoundError } from '../../shared/domain/errors.js';
import type { RouteHandler } from '../../shared/http/admin-router.js';
import { jsonBody } from '../../shared/http/body.js';
import { jsonResponse } from '../../shared/http/response.js';
import type {
  AudienceCandidateSource,
  AudienceDefinitionStore,
} from '../../shared/ports/audience-definitions.js';
import type { Logger } from '../../shared/ports/logger.js';

/** What the synced-audience routes use. */
export interface SyncedAudienceDeps {
  readonly store: AudienceDefinitionStore;
  readonly candidates: AudienceCandidateSource;
  /** The holdout's HMAC key (a secret: who is held out must not be guessable). */
  readonly holdoutKey: () => Promise<string>;
  readonly budget?: Omit<CountBudget, 'sampleSize'>;
  readonly now: () => Date;
}

/** Versions listed by `GET …/versions`, newest first. */
const HISTORY_LIMIT = 100;

/** The synced-audience routes; absent deps answer 404 (a function not wired for them). */
export function syncedAudienceRoutes(
  deps: SyncedAudienceDeps | undefined,
  logger: Logger,
): Partial<Record<RouteId, RouteHandler>> {
  const wired = (): SyncedAudienceDeps => {
    if (!deps) throw new NotFoundError('unknown_route', 'no such admin route');
    return deps;
  };
  return {
    syncedAudienceList: async () => jsonResponse(200, { audiences: await wired().store.list() }),
    syncedAudienceCreate: async ({ event, caller }) => {
      const d = wired();
      const stored = await createAudienceDefinition(d.store, jsonBody(event), caller.id, d.now());
      logger.info('synced audience created', { audienceId: stored.definition.id });
      return jsonResponse(201, { audience: stored });
    },
    syncedAudienceGet: async ({ params, query }) =>
      jsonResponse(200, {
        audience: await getAudienceDefinition(wired().store, params.audienceId, query.version),
      }),
    syncedAudienceVersions: async ({ params }) => {
      const { definition } = await getAudienceDefinition(wired().store, params.audienceId);
      return jsonResponse(200, { versions: await wired().store.history(definition.id, HISTORY_LIMIT) });
    },
    syncedAudienceUpdate: async ({ event, params, caller }) => {
      const d = wired();
      const body = jsonBody(event);
      const { stored, changed } = await updateAudienceDefinition(
        d.store,
        params.audienceId,
        body,
        caller.id,
        d.now(),
      );
      logger.info(changed ? 'synced audience versioned' : 'synced audience unchanged', {
        audienceId: stored.definition.id,
        version: stored.definition.version,
      });
      return jsonResponse(changed ? 201 : 200, { audience: stored, changed });
    },
    syncedAudienceCount: async ({ params, query }) => {
      const d = wired();
      const q = CountQuery.safeParse(query);
      if (!q.success)
        throw new InvalidRequestError('invalid_query', 'invalid query parameters', {
          issues: issuesOf(q.error),
        });
      const { definition } = await getAudienceDefinition(d.store, params.audienceId, q.data.version);
      const count = await countAudience(d.candidates, definition, await d.holdoutKey(), {
        ...d.budget,
        sampleSize: q.data.sample,
      });
      logger.info('synced audience counted', {
        audienceId: definition.id,
        version: definition.version,
        members: count.members,
        scanned: count.scanned,
        complete: count.complete,
      });
      return jsonResponse(200, count);
    },
  };
}
