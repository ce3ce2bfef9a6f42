/**
 * TikTok audience segments behind the destination port: `POST /open_api/v1.3/segment/mapping/` with
 * the long-term token in `Access-Token`. The Marketing API answers HTTP 200 with a `code` in the body:
 *   code 0                         → done, every row accepted (the API reports no rows)
 *   code 40100 or HTTP 429         → rate_limited (Retry-After when sent, else a minute)
 *   code 5xxxx or HTTP 5xx         → failed, retryable
 *   code 40104 / 40105             → failed `invalid_token`; any other code → failed `tiktok_<code>`
 * A full refresh adds every batch, then deletes the members synced before the session began.
 * https://business-api.tiktok.com/portal/docs?id=1737172488964097 (return codes)
 */

import {
  TIKTOK_MAX_ROWS,
  type TikTokConfig,
  tiktokAddRequests,
  tiktokRemoveRequests,
} from '../../domain/audiences/requests/tiktok.js';
import type { UploadResult } from '../../ports/audiences.js';
import type { DestinationCredentials } from './credentials.js';
import {
  type Answer,
  DEFAULT_RETRY_AFTER_SECONDS,
  type RefreshOptions,
  retryAfterHeader,
  rowResults,
  TokenDestination,
  type TokenPlatform,
} from './http.js';

/** TikTok's "too many requests" return code. */
export const TIKTOK_RATE_LIMIT_CODE = 40100;

/** Maps one Marketing API answer to the port's result. */
export function tiktokResult(answer: Answer, count: number, skipped: readonly number[]): UploadResult {
  const body = (answer.body ?? {}) as { code?: number; message?: string; request_id?: string };
  const code = body.code ?? -1;
  if (answer.status === 200 && code === 0)
    return {
      kind: 'done',
      rows: rowResults(count, skipped),
      requestIds: body.request_id ? [body.request_id] : [],
    };
  if (answer.status === 429 || code === TIKTOK_RATE_LIMIT_CODE)
    return {
      kind: 'rate_limited',
      retryAfterSeconds: retryAfterHeader(answer.headers) ?? DEFAULT_RETRY_AFTER_SECONDS,
    };
  const message = body.message ?? `HTTP ${answer.status}`;
  if (code === 40104 || code === 40105 || answer.status === 401)
    return { kind: 'failed', retryable: false, code: 'invalid_token', message };
  const retryable = answer.status >= 500 || (code >= 50000 && code < 60000);
  return { kind: 'failed', retryable, code: code >= 0 ? `tiktok_${code}` : `HTTP_${answer.status}`, message };
}

const TIKTOK: TokenPlatform<TikTokConfig> = {
  destination: 'tiktok',
  maxBatchSize: TIKTOK_MAX_ROWS,
  header: 'access-token',
  add: tiktokAddRequests,
  remove: tiktokRemoveRequests,
  map: tiktokResult,
};

/** TikTok custom audiences (segment mapping); the audience's `externalId` is the TikTok audience id. */
export class TikTokDestination extends TokenDestination<TikTokConfig> {
  constructor(
    credentials: DestinationCredentials,
    options: RefreshOptions & { readonly advertiserId: string },
  ) {
    super(credentials, options, TIKTOK, (a) => ({
      advertiserId: options.advertiserId,
      audienceId: a.externalId,
    }));
  }
}
