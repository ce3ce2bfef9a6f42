/**
 * The review-content Lambda: the admin content routes (API Gateway v2, authorised in front like
 * functions/admin).
 *
 *   GET  /admin/content?status=pending_review|approved|rejected&limit=&cursor=
 *   GET  /admin/content/{id}                 the variant, its audit trail and the brand rules it was checked against
 *   POST /admin/content/{id}/review          { decision, comment, reviewer, edited? }
 *   POST /admin/content/{id}/check           { edited }: the checks and guardrail on an edit, nothing saved
 *   POST /admin/content/{id}/preview         { profileId?, purpose?, edited? }: rendered as the send would
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { type PreviewDeps, previewVariant } from '../../shared/domain/content/preview.js';
import { type ReviewDeps, ReviewRequest, reviewVariant } from '../../shared/domain/content/review.js';
import { checkEdit, checkedRules } from '../../shared/domain/content/rules.js';
import { VariantStatus } from '../../shared/domain/content/schemas.js';
import { InvalidRequestError, NotFoundError } from '../../shared/domain/errors.js';
import { adminRouter } from '../../shared/http/admin-router.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { ContentStore } from '../../shared/ports/content.js';
import type { Logger } from '../../shared/ports/logger.js';

/** Query of `GET /admin/content`. */
export const ListQuery = z.object({
  status: VariantStatus.default('pending_review'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).max(2048).optional(),
});

const VariantId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

const issues = (error: z.ZodError) =>
  error.issues.map((i) => ({ path: i.path.map(String), code: i.code, message: i.message }));

/** Dependencies of the review function. */
export interface ReviewContentDeps extends ReviewDeps {
  readonly store: Pick<ContentStore, 'get' | 'applyReview' | 'listByStatus' | 'audit'>;
  /** Whose traits fill a preview, and the send settings it mirrors; absent: the preview route answers 404. */
  readonly preview?: Omit<PreviewDeps, 'store'>;
}

function parseId(raw: string | undefined): string {
  const parsed = VariantId.safeParse(raw ? decodeURIComponent(raw) : raw);
  if (!parsed.success) throw new InvalidRequestError('invalid_id', 'invalid variant id');
  return parsed.data;
}

function parseJson(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) throw new InvalidRequestError('invalid_json', 'the body must be JSON');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidRequestError('invalid_json', 'the body is not valid JSON', {}, { cause: err });
  }
}

/** The admin content routes (shared/api/contract.ts, owner `content`). */
export function createReviewHandler(deps: ReviewContentDeps, logger: Logger) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(
      adminRouter('content', {
        contentList: async ({ query }) => {
          const q = ListQuery.safeParse(query);
          if (!q.success)
            throw new InvalidRequestError('invalid_query', 'invalid query parameters', {
              issues: issues(q.error),
            });
          const page = await deps.store.listByStatus(q.data.status, {
            limit: q.data.limit,
            ...(q.data.cursor ? { cursor: q.data.cursor } : {}),
          });
          logger.info('content listed', { status: q.data.status, count: page.variants.length });
          return jsonResponse(200, page);
        },
        contentGet: async ({ params }) => {
          const id = parseId(params.id);
          const variant = await deps.store.get(id);
          if (!variant) throw new NotFoundError('variant_not_found', 'no such content variant');
          const { playbook, allowedVariables } = deps.config;
          return jsonResponse(200, {
            variant,
            audit: await deps.store.audit(id),
            rules: checkedRules(playbook, allowedVariables, variant.channel, variant.checks),
          });
        },
        contentCheck: async ({ params, event }) => {
          const id = parseId(params.id);
          const checked = await checkEdit(deps, id, parseJson(event));
          logger.info('content edit checked', { variantId: id, passed: checked.checks.passed });
          return jsonResponse(200, checked);
        },
        contentPreview: async ({ params, event }) => {
          const id = parseId(params.id);
          if (!deps.preview) throw new NotFoundError('unknown_route', 'no such admin route');
          const preview = await previewVariant(
            { ...deps.preview, store: deps.store },
            id,
            event.body ? parseJson(event) : {},
          );
          // The person's id stays out of the log: whose preview it was is not needed to operate.
          logger.info('content previewed', { variantId: id, person: preview.person.kind });
          return jsonResponse(200, preview);
        },
        contentReview: async ({ params, event, caller }) => {
          const id = parseId(params.id);
          const raw = parseJson(event);
          // A console user's decision is recorded under their own name, not one the page sends.
          const withReviewer =
            caller.kind === 'user' && typeof raw === 'object' && raw !== null
              ? { ...raw, reviewer: caller.id }
              : raw;
          const body = ReviewRequest.safeParse(withReviewer);
          if (!body.success) {
            throw new InvalidRequestError('invalid_review', 'the review is not valid', {
              issues: issues(body.error),
            });
          }
          const variant = await reviewVariant(deps, id, body.data);
          logger.info('content reviewed', {
            variantId: id,
            status: variant.status,
            edited: !!body.data.edited,
          });
          return jsonResponse(200, { variant });
        },
      }),
    );
}
