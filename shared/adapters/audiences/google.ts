/**
 * Google Data Manager API behind the destination port: `audienceMembers:ingest` / `:remove` with an
 * OAuth access token from the refresh token in the secret (kept until a minute before it expires).
 * The API fails fast — one invalid member refuses the whole request and nothing is applied — so a
 * 400 whose BadRequest field violations name members (`audience_members[3]…`) rejects those rows and
 * sends the others again once. Answers mapped:
 *   200 { requestId }                                   → done, every row accepted
 *   429 / RESOURCE_EXHAUSTED                            → rate_limited, RetryInfo `retryDelay`, else Retry-After
 *   5xx / UNAVAILABLE / INTERNAL / DEADLINE_EXCEEDED    → failed, retryable (401 too: a new token next)
 *   anything else                                       → failed (code: the status, e.g. PERMISSION_DENIED)
 * A full refresh ingests every batch, then removes the members synced before the session began.
 * https://developers.google.com/data-manager/api/devguides/concepts/understand-errors
 * https://developers.google.com/data-manager/api/reference/rest/v1/ErrorReason
 */
import {
  GOOGLE_MAX_MEMBERS,
  type GoogleConfig,
  googleIngestRequests,
  googleRemoveRequests,
} from '../../domain/audiences/requests/google.js';
import type { BuiltRequests } from '../../domain/audiences/requests/http.js';
import type {
  AudienceDestinationPort,
  AudienceMember,
  DestinationAudience,
  RefreshSession,
  UploadResult,
} from '../../ports/audiences.js';
import {
  credentialsFailure,
  type DestinationCredentials,
  GoogleOAuthCredentials,
  readCredentials,
} from './credentials.js';
import {
  type Answer,
  addThenRemoveStale,
  DEFAULT_RETRY_AFTER_SECONDS,
  type Failed,
  type HttpOptions,
  isFailure,
  jsonWithToken,
  rebase,
  retryAfterHeader,
  rowResults,
  type StaleMembers,
  send,
  uploadOne,
} from './http.js';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const RETRYABLE_STATUSES = new Set(['UNAVAILABLE', 'INTERNAL', 'DEADLINE_EXCEEDED', 'ABORTED']);

interface GoogleStatus {
  code?: number;
  message?: string;
  status?: string;
  details?: { '@type'?: string; [key: string]: unknown }[];
}

const detail = (error: GoogleStatus, type: string) =>
  error.details?.find((d) => d['@type']?.endsWith(`/google.rpc.${type}`));

/** Members a fast-fail answer names, by their position in the request, with the reason. */
export function rejectedPositions(error: GoogleStatus): Map<number, string> {
  const out = new Map<number, string>();
  const info = detail(error, 'ErrorInfo') as { reason?: string } | undefined;
  const bad = detail(error, 'BadRequest') as
    | { fieldViolations?: { field?: string; reason?: string; description?: string }[] }
    | undefined;
  for (const v of bad?.fieldViolations ?? []) {
    const match = /audience_?members\[(\d+)\]/i.exec(v.field ?? '');
    if (match) out.set(Number(match[1]), v.reason ?? info?.reason ?? 'INVALID_ARGUMENT');
  }
  return out;
}

/** Seconds of a `RetryInfo.retryDelay` such as "30s" or "1.5s". */
function retryDelay(error: GoogleStatus): number | undefined {
  const info = detail(error, 'RetryInfo') as { retryDelay?: string } | undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(info?.retryDelay ?? '');
  return match ? Math.ceil(Number(match[1])) : undefined;
}

/** Maps an answer that is not a fast-fail on rows. */
function googleResult(answer: Answer, count: number, built: BuiltRequests): UploadResult {
  const body = (answer.body ?? {}) as { requestId?: string; error?: GoogleStatus };
  if (answer.status === 200)
    return {
      kind: 'done',
      rows: rowResults(count, built.skipped),
      requestIds: body.requestId ? [body.requestId] : [],
    };
  const error = body.error ?? {};
  const status = error.status ?? `HTTP_${answer.status}`;
  const message = error.message ?? `HTTP ${answer.status}`;
  if (answer.status === 429 || status === 'RESOURCE_EXHAUSTED')
    return {
      kind: 'rate_limited',
      retryAfterSeconds: retryDelay(error) ?? retryAfterHeader(answer.headers) ?? DEFAULT_RETRY_AFTER_SECONDS,
    };
  // 401: the cached token was refused (expired early, revoked); the next call fetches another.
  const retryable = answer.status >= 500 || answer.status === 401 || RETRYABLE_STATUSES.has(status);
  return { kind: 'failed', retryable, code: status, message };
}

/** Google Data Manager API (Customer Match user lists). */
export class GoogleDestination implements AudienceDestinationPort {
  readonly destination = 'google' as const;
  readonly maxBatchSize = GOOGLE_MAX_MEMBERS;
  private token: { value: string; until: number } | undefined;

  constructor(
    private readonly credentials: DestinationCredentials,
    private readonly options: HttpOptions & {
      /** The accounts and terms; `userListId` comes from each audience's `externalId`. */
      readonly account: Omit<GoogleConfig, 'userListId'>;
      readonly stale?: StaleMembers;
      readonly now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** A cached access token, or the failure of getting one. */
  private async accessToken(): Promise<string | Failed> {
    if (this.token && this.token.until > this.now().getTime()) return this.token.value;
    let oauth: GoogleOAuthCredentials;
    try {
      oauth = await readCredentials(this.credentials, 'google', GoogleOAuthCredentials);
    } catch (cause) {
      return credentialsFailure(cause);
    }
    const answer = await send(
      {
        method: 'POST',
        url: rebase(GOOGLE_TOKEN_URL, this.options.baseUrl),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: oauth.clientId,
          client_secret: oauth.clientSecret,
          refresh_token: oauth.refreshToken,
        }).toString(),
      },
      this.options,
    );
    if (isFailure(answer)) return answer;
    const body = (answer.body ?? {}) as { access_token?: string; expires_in?: number; error?: string };
    if (answer.status !== 200 || !body.access_token)
      return {
        kind: 'failed',
        retryable: answer.status >= 500,
        code: answer.status >= 500 ? 'token_unavailable' : 'invalid_token',
        message: `token endpoint answered ${answer.status}${body.error ? ` ${body.error}` : ''}`,
      };
    const lifetime = Math.max(0, (body.expires_in ?? 3600) - 60) * 1000;
    this.token = { value: body.access_token, until: this.now().getTime() + lifetime };
    return body.access_token;
  }

  private async call(
    audience: DestinationAudience,
    members: readonly AudienceMember[],
    operation: 'ingest' | 'remove',
    resent = false,
  ): Promise<UploadResult> {
    const config = { ...this.options.account, userListId: audience.externalId };
    const built =
      operation === 'ingest' ? googleIngestRequests(config, members) : googleRemoveRequests(config, members);
    return uploadOne({
      members,
      built,
      max: this.maxBatchSize,
      token: () => this.accessToken(),
      encode: jsonWithToken('authorization'),
      options: this.options,
      map: async (answer, request) => {
        if (answer.status === 401) this.token = undefined;
        const error = (answer.body as { error?: GoogleStatus } | undefined)?.error;
        const positions = answer.status === 400 && error && !resent ? rejectedPositions(error) : new Map();
        if (positions.size === 0) return googleResult(answer, members.length, built);
        // Fast fail: nothing was applied. Reject the rows named and send the others again, once.
        const rejected = new Map<number, string>();
        for (const [position, reason] of positions) {
          const index = request.indices[position];
          if (index !== undefined) rejected.set(index, reason);
        }
        const rest = request.indices.filter((i) => !rejected.has(i));
        const again =
          rest.length > 0
            ? await this.call(
                audience,
                rest.map((i) => members[i]!),
                operation,
                true,
              )
            : undefined;
        // The resend is not split again: a second fast fail is its answer.
        if (again && again.kind !== 'done') return again;
        return {
          kind: 'done',
          rows: rowResults(members.length, built.skipped, rejected),
          requestIds: again?.requestIds ?? [],
        };
      },
    });
  }

  add(audience: DestinationAudience, members: readonly AudienceMember[]): Promise<UploadResult> {
    return this.call(audience, members, 'ingest');
  }

  remove(audience: DestinationAudience, members: readonly AudienceMember[]): Promise<UploadResult> {
    return this.call(audience, members, 'remove');
  }

  /** Ingest every batch, then remove the members synced before the session began (the API has no replace). */
  async startRefresh(audience: DestinationAudience, _estimatedTotal: number): Promise<RefreshSession> {
    return addThenRemoveStale(this, audience, this.options.stale, () => this.now());
  }
}
