import {
  LINKEDIN_MAX_ELEMENTS,
  type LinkedInConfig,
  linkedinAddRequests,
  linkedinRemoveRequests,
} from '../../domain/audiences/requests/linkedin.js';
import type { UploadResult } from '../../ports/audiences.js';
import type { DestinationCredentials } from './credentials.js';
import {
  type Answer,
  DEFAULT_RETRY_AFTER_SECONDS,
  failedByStatus,
  type RefreshOptions,
  retryAfterHeader,
  rowResults,
  TokenDestination,
  type TokenPlatform,
} from './http.js';

/** Maps one BATCH_CREATE answer to the port's result. */
export function linkedinResult(
  answer: Answer,
  count: number,
  skipped: readonly number[],
  indices: readonly number[],
): UploadResult {
  const requestIds = [answer.headers.get('x-li-uuid')].filter((id): id is string => !!id);
  if (answer.status === 429)
    return {
      kind: 'rate_limited',
      retryAfterSeconds: retryAfterHeader(answer.headers) ?? DEFAULT_RETRY_AFTER_SECONDS,
    };
  const body = (answer.body ?? {}) as {
    elements?: { status?: number; error?: { message?: string } }[];
    message?: string;
  };
  if (answer.status === 200 || answer.status === 201) {
    const rejected = new Map<number, string>();
    (body.elements ?? []).forEach((element, position) => {
      const status = element.status ?? 201;
      const index = indices[position];
      if (index !== undefined && (status < 200 || status >= 300))
        rejected.set(index, element.error?.message ?? `status ${status}`);
    });
    return { kind: 'done', rows: rowResults(count, skipped, rejected), requestIds };
  }
  const message = body.message ?? `HTTP ${answer.status}`;
  if (answer.status === 401) return { kind: 'failed', retryable: false, code: 'invalid_token', message };
  return failedByStatus(answer.status, `HTTP_${answer.status}`, message);
}

const LINKEDIN: TokenPlatform<LinkedInConfig> = {
  destination: 'linkedin',
  maxBatchSize: LINKEDIN_MAX_ELEMENTS,
  header: 'authorization',
  add: linkedinAddRequests,
  remove: linkedinRemoveRequests,
  map: linkedinResult,
};

/** LinkedIn Matched Audiences; the audience's `externalId` is the DMP segment id. */
export class LinkedInDestination extends TokenDestination<LinkedInConfig> {
  /** `apiVersion`: the `LinkedIn-Version` header, YYYYMM. */
  constructor(
    credentials: DestinationCredentials,
    options: RefreshOptions & { readonly apiVersion: string },
  ) {
    super(credentials, options, LINKEDIN, (a) => ({
      apiVersion: options.apiVersion,
      segmentId: a.externalId,
    }));
  }
}
