/**
 * The admin Lambda: views for operators and tests, and the privacy operations (profile lookup, export,
 * erasure) and the data-quality report. Authentication happens in front of it (IAM or Cognito JWT in
 * AWS, the admin token or a console session locally); the router checks each route's action.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import type { RouteId } from '../../shared/api/contract.js';
import { InvalidRequestError, NotFoundError } from '../../shared/domain/errors.js';
import {
  getPrivacyJob,
  parseJobId,
  readExportResult,
  type StartJobDeps,
  startPrivacyJob,
} from '../../shared/domain/privacy/jobs.js';
import {
  type EraseDeps,
  type ExportDeps,
  exportPersonalData,
  findProfileView,
  getProfileView,
  parseLookupQuery,
  parseProfileId,
} from '../../shared/domain/privacy/operations.js';
import { type QualityDeps, qualityReport } from '../../shared/domain/quality/report.js';
import { adminRouter, type RouteContext, type RouteHandler } from '../../shared/http/admin-router.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { EventStore } from '../../shared/ports/events.js';
import type { Logger } from '../../shared/ports/logger.js';
import type { PersonDirectory } from '../../shared/ports/privacy.js';
import type { QuarantineStore } from '../../shared/ports/quarantine.js';
import { type ConsoleRoutesDeps, consoleRoutes } from './overview.js';
import { type SyncedAudienceDeps, syncedAudienceRoutes } from './synced-audiences.js';

const Limit = z.coerce.number().int().min(1).max(1000).default(100);
const Cursor = z.string().min(1).max(2048).optional();

/** Query of `GET /admin/events`: exactly one of userId / anonymousId. */
export const EventsQuery = z
  .object({
    userId: z.string().min(1).optional(),
    anonymousId: z.string().min(1).optional(),
    limit: Limit,
    cursor: Cursor,
  })
  .superRefine((q, ctx) => {
    if ((q.userId === undefined) === (q.anonymousId === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['userId'],
        message: 'give exactly one of userId or anonymousId',
      });
    }
  });

/** Query of `GET /admin/quarantine`. */
export const QuarantineQuery = z.object({
  reason: z.string().min(1).max(64).optional(),
  limit: Limit,
  cursor: Cursor,
});

/** Query of `GET /admin/outbox`. */
export const OutboxQuery = z.object({ limit: Limit });

function parseQuery<T>(schema: z.ZodType<T>, params: Record<string, string | undefined> | undefined): T {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const missingId = parsed.error.issues.some((i) => i.code === 'custom');
  throw new InvalidRequestError(
    missingId ? 'missing_identifier' : 'invalid_query',
    'invalid query parameters',
    {
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map(String),
        code: i.code,
        message: i.message,
      })),
    },
  );
}

/** What the privacy routes and the quality report use (see shared/adapters/dynamodb/privacy-wiring.ts). */
export interface PrivacyRoutesDeps {
  readonly directory: PersonDirectory;
  readonly export: ExportDeps;
  readonly erase: EraseDeps;
  readonly quality: QualityDeps;
  /** Larger exports answer 413 `export_too_large` (use the CLI); Lambda responses stop at 6 MB. */
  readonly maxExportBytes: number;
  /** Erasure and export jobs; without them those routes answer 404 `privacy_jobs_not_configured`. */
  readonly jobs?: StartJobDeps;
}

/** Dependencies of the admin function. */
export interface AdminDeps {
  readonly events: Pick<EventStore, 'listByPerson'>;
  readonly quarantine: Pick<QuarantineStore, 'list' | 'countsByReason'>;
  /** Absent when the function has no profiles table: the privacy and quality routes then answer 404. */
  readonly privacy?: PrivacyRoutesDeps;
  /** The local outbox (local runtime only); absent in AWS, where `GET /admin/outbox` answers 404. */
  readonly outbox?: { list(limit: number): Promise<readonly unknown[]> };
  /** The console's Overview, person activity and Settings routes (functions/admin/overview.ts). */
  readonly console?: ConsoleRoutesDeps;
  /** Synced audiences (functions/admin/synced-audiences.ts); absent, their routes answer 404. */
  readonly syncedAudiences?: SyncedAudienceDeps;
}

/** Who the caller is and what they may do: the console asks once after sign-in. */
function meResponse(ctx: RouteContext) {
  const { kind, id, roles, actions } = ctx.caller;
  return jsonResponse(200, { caller: { kind, id, roles, actions } });
}

/**
 * The admin function's routes (shared/api/contract.ts, owner `admin`): `me`, events, quarantine,
 * the local outbox, profile lookup, read, export and erasure, the data-quality report, the
 * console's overview, person activity, sources and users, and synced audiences.
 */
export function createAdminHandler(deps: AdminDeps, logger: Logger) {
  const privacy = (): PrivacyRoutesDeps => {
    if (!deps.privacy) throw new NotFoundError('unknown_route', 'no such admin route');
    return deps.privacy;
  };
  const handlers: Partial<Record<RouteId, RouteHandler>> = {
    me: async (ctx) => meResponse(ctx),
    outbox: async ({ query }) => {
      if (!deps.outbox) throw new NotFoundError('outbox_not_configured', 'there is no local outbox here');
      const q = parseQuery(OutboxQuery, query);
      return jsonResponse(200, { messages: await deps.outbox.list(q.limit) });
    },
    events: async ({ query }) => {
      const q = parseQuery(EventsQuery, query);
      const person = q.userId !== undefined ? { userId: q.userId } : { anonymousId: q.anonymousId! };
      const page = await deps.events.listByPerson({
        ...person,
        limit: q.limit,
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      // Sorted within the page; pages follow the key (messageId) order, see docs/data-model.md.
      const events = [...page.events].sort(
        (a, b) => a.timestamp.localeCompare(b.timestamp) || a.messageId.localeCompare(b.messageId),
      );
      logger.info('events listed', { count: events.length });
      return jsonResponse(200, { events, ...(page.cursor ? { cursor: page.cursor } : {}) });
    },
    quarantine: async ({ query }) => {
      const q = parseQuery(QuarantineQuery, query);
      const [page, countsByReason] = await Promise.all([
        deps.quarantine.list({
          limit: q.limit,
          ...(q.reason ? { reason: q.reason } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
        }),
        deps.quarantine.countsByReason(),
      ]);
      logger.info('quarantine listed', { count: page.items.length });
      return jsonResponse(200, {
        items: page.items,
        countsByReason,
        ...(page.cursor ? { cursor: page.cursor } : {}),
      });
    },
    quality: (ctx) => privacyRoute(privacy(), 'quality', ctx, logger),
    profileLookup: (ctx) => privacyRoute(privacy(), 'profileLookup', ctx, logger),
    profileGet: (ctx) => privacyRoute(privacy(), 'profileGet', ctx, logger),
    profileExport: (ctx) => privacyRoute(privacy(), 'profileExport', ctx, logger),
    profileErase: (ctx) => jobRoute(privacy(), 'erase', ctx, logger),
    profileEraseByPost: (ctx) => jobRoute(privacy(), 'erase', ctx, logger),
    profileExportJob: (ctx) => jobRoute(privacy(), 'export', ctx, logger),
    privacyJobGet: (ctx) => jobRoute(privacy(), 'get', ctx, logger),
    privacyJobResult: (ctx) => jobRoute(privacy(), 'result', ctx, logger),
    ...(deps.console ? consoleRoutes(deps.console, logger) : {}),
    ...syncedAudienceRoutes(deps.syncedAudiences, logger),
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(adminRouter('admin', handlers));
}

type PrivacyRoute = 'quality' | 'profileLookup' | 'profileGet' | 'profileExport';

async function privacyRoute(
  deps: PrivacyRoutesDeps,
  route: PrivacyRoute,
  { params, query }: RouteContext,
  logger: Logger,
): Promise<APIGatewayProxyStructuredResultV2> {
  if (route === 'quality') {
    const report = await qualityReport(deps.quality);
    logger.info('quality reported', {
      sources: report.freshness.sources.length,
      complete: report.completeness.complete,
    });
    return jsonResponse(200, report);
  }
  if (route === 'profileLookup') {
    const lookup = parseLookupQuery(query);
    const profile = await findProfileView(deps.directory, lookup);
    logger.info('profile looked up', { identifierType: lookup.type });
    return jsonResponse(200, { profile });
  }
  const profileId = parseProfileId(params.profileId);
  if (route === 'profileGet') {
    const profile = await getProfileView(deps.directory, profileId);
    logger.info('profile read');
    return jsonResponse(200, { profile });
  }
  // The synchronous export, for small accounts (bounded by maxExportBytes and the API's 29 s);
  // `POST …/export` runs it as a job.
  const document = await exportPersonalData(deps.export, profileId);
  const body = JSON.stringify(document);
  if (Buffer.byteLength(body, 'utf8') > deps.maxExportBytes) return exportTooLarge(logger);
  logger.info('personal data exported', { holders: Object.keys(document.holders).length });
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body };
}

const exportTooLarge = (logger: Logger) => {
  logger.info('request rejected', { code: 'export_too_large' });
  return jsonResponse(413, {
    success: false,
    error: {
      code: 'export_too_large',
      message:
        'the export exceeds what the API can return; use `feltfit profiles export <profileId> --out FILE`',
    },
  });
};

/**
 * Erasure and export jobs: `POST …/erase` (or `DELETE`) and `POST …/export` answer 202 with the job
 * and where to poll it; `GET /admin/privacy-jobs/{jobId}` its status and progress per holder;
 * `…/result` a finished export's document (413 above maxExportBytes: the CLI reads it whole).
 */
async function jobRoute(
  deps: PrivacyRoutesDeps,
  route: 'erase' | 'export' | 'get' | 'result',
  { params, caller }: RouteContext,
  logger: Logger,
): Promise<APIGatewayProxyStructuredResultV2> {
  const jobs = deps.jobs;
  if (!jobs) throw new NotFoundError('privacy_jobs_not_configured', 'privacy jobs are not configured here');
  if (route === 'get' || route === 'result') {
    const jobId = parseJobId(params.jobId);
    if (route === 'get') return jsonResponse(200, { job: await getPrivacyJob(jobs.jobs, jobId) });
    const document = await readExportResult(jobs.jobs, jobId);
    const body = JSON.stringify(document);
    if (Buffer.byteLength(body, 'utf8') > deps.maxExportBytes) return exportTooLarge(logger);
    logger.info('personal data exported', { holders: Object.keys(document.holders).length });
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body };
  }
  const profileId = parseProfileId(params.profileId);
  const started = await startPrivacyJob(jobs, route, profileId, caller.id);
  const job = await getPrivacyJob(jobs.jobs, started.jobId);
  logger.info('privacy job requested', { kind: route, jobId: job.jobId, status: job.status });
  const self = `/admin/privacy-jobs/${job.jobId}`;
  return {
    ...jsonResponse(202, {
      job,
      links: { self, ...(route === 'export' ? { result: `${self}/result` } : {}) },
    }),
    headers: { 'content-type': 'application/json', location: self },
  };
}
