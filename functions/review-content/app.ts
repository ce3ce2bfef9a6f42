/**
 * The review-content Lambda: the admin content routes (API Gateway v2, authorised in front like
 * functions/admin).
 *
 *   GET  /admin/content?status=pending_review|approved|rejected&limit=&cursor=
 *   GET  /admin/content/{id}                 the variant and its audit trail
 *   POST /admin/content/{id}/review          { decision, comment, reviewer, edited? }
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { type ReviewDeps, ReviewRequest, reviewVariant } from '../../shared/domain/content/review.js';
import { VariantStatus } from '../../shared/domain/content/schemas.js';
import { InvalidRequestError, NotFoundError } from '../../shared/domain/errors.js';
import { adminRouter } from '../../shared/http/admin-router.js';
import type { Logger } from '../../shared/http/logger.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { ContentStore } from '../../shared/ports/content.js';

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
          return jsonResponse(200, { variant, audit: await deps.store.audit(id) });
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
