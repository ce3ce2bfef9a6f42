/**
 * What the destination adapters share: sending one built request with global fetch to a base URL
 * (the platform's, or the local fake's), reading Retry-After, assembling per-row results from a
 * request's indices, and the full refresh of platforms without a replace API (add every batch, then
 * remove whoever was not refreshed since the session began).
 */
import { randomUUID } from 'node:crypto';
import type { BuiltRequests, DestinationRequest } from '../../domain/audiences/requests/http.js';
import type {
  AudienceDestinationPort,
  AudienceMember,
  DestinationAudience,
  RefreshSession,
  RowResult,
  UploadResult,
} from '../../ports/audiences.js';
import { accessToken, type DestinationCredentials } from './credentials.js';

/** A call was given more members than the destination takes in one request; the caller chunks. */
export class BatchTooLargeError extends Error {
  override readonly name = 'BatchTooLargeError';
}

/** A full refresh was asked of an adapter built without the members last synced (see StaleMembers). */
export class RefreshUnsupportedError extends Error {
  override readonly name = 'RefreshUnsupportedError';
}

/**
 * The members of an audience last synced to a destination before a time — what a refresh session
 * removes at its end where the platform has no replace API (Google, TikTok, LinkedIn). The sync
 * engine implements it from its table of what was synced; pages of at most the destination's batch.
 */
export interface StaleMembers {
  syncedBefore(audience: DestinationAudience, before: string): AsyncIterable<readonly AudienceMember[]>;
}

/** An answer read whole: status, headers and the JSON body (undefined when it is not JSON). */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** Options every HTTP adapter takes. */
export interface HttpOptions {
  /** Replaces the platform's origin (and leaves the path): the local fake's URL in tests and `npm start`. */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  /** Per request (default 30 s): a slower answer is a retryable `timeout`. */
  readonly timeoutMs?: number;
}

/** The wait when a rate-limit answer says none. */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** The builder's URL with its origin replaced by `baseUrl` (its path prefix kept before the platform's path). */
export function rebase(url: string, baseUrl: string | undefined): string {
  if (!baseUrl) return url;
  const u = new URL(url);
  return `${baseUrl.replace(/\/+$/, '')}${u.pathname}${u.search}`;
}

/** Seconds from a Retry-After header (seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterHeader(headers: Headers, now: number = Date.now()): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Sends one request; a network error or a timeout is `failed` and retryable (the request may or may
 * not have been applied: every destination operation is idempotent, so a retry is safe).
 */
export async function send(
  request: { method: string; url: string; headers: Record<string, string>; body?: string },
  options: HttpOptions,
): Promise<Answer | Failed> {
  const fetchImpl = options.fetch ?? fetch;
  try {
    const res = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, body };
  } catch (cause) {
    const timeout = (cause as { name?: string }).name === 'TimeoutError';
    return {
      kind: 'failed',
      retryable: true,
      code: timeout ? 'timeout' : 'network_error',
      message: cause instanceof Error ? cause.message : String(cause),
    };
  }
}

/** Whether `send` answered a failure rather than an answer. */
export function isFailure(a: Answer | UploadResult): a is Failed {
  return 'kind' in a;
}

/** A failure an HTTP status alone classifies: 5xx retryable, anything else not. */
export function failedByStatus(status: number, code: string, message: string): UploadResult {
  return { kind: 'failed', retryable: status >= 500, code, message };
}

/**
 * One row per member: skipped ones (no match key here), rejected ones with their reason, the rest of
 * those the requests carried accepted.
 */
export function rowResults(
  count: number,
  skipped: readonly number[],
  rejected: ReadonlyMap<number, string> = new Map(),
): RowResult[] {
  const skip = new Set(skipped);
  return Array.from({ length: count }, (_, index): RowResult => {
    if (skip.has(index)) return { index, outcome: 'skipped', reason: 'no_match_key' };
    const reason = rejected.get(index);
    return reason === undefined ? { index, outcome: 'accepted' } : { index, outcome: 'rejected', reason };
  });
}

/** Refuses more members than one request takes, so that one call is one request and one answer. */
export function checkBatch(members: readonly AudienceMember[], max: number): void {
  if (members.length > max)
    throw new BatchTooLargeError(`${members.length} members given, at most ${max} a call`);
}

/** A `failed` upload result. */
export type Failed = Extract<UploadResult, { kind: 'failed' }>;

/**
 * One call's request, sent: refuses an oversized batch, answers `done` without a request when every
 * member was skipped, gets the token, encodes the request with it and maps the answer.
 */
export async function uploadOne(call: {
  readonly members: readonly AudienceMember[];
  readonly built: BuiltRequests;
  readonly max: number;
  readonly token: () => Promise<string | Failed>;
  readonly encode: (
    request: DestinationRequest,
    token: string,
  ) => { headers: Record<string, string>; body: string };
  readonly options: HttpOptions;
  readonly map: (answer: Answer, request: DestinationRequest) => UploadResult | Promise<UploadResult>;
}): Promise<UploadResult> {
  checkBatch(call.members, call.max);
  const request = call.built.requests[0];
  if (!request)
    return { kind: 'done', rows: rowResults(call.members.length, call.built.skipped), requestIds: [] };
  const token = await call.token();
  if (typeof token !== 'string') return token;
  const { headers, body } = call.encode(request, token);
  const answer = await send(
    {
      method: request.method,
      url: rebase(request.url, call.options.baseUrl),
      headers: { ...request.headers, ...headers },
      body,
    },
    call.options,
  );
  return isFailure(answer) ? answer : call.map(answer, request);
}

/** A JSON body with the token in `header` (`authorization` gets `Bearer `). */
export const jsonWithToken =
  (header: 'authorization' | 'access-token') => (request: DestinationRequest, token: string) => ({
    headers: {
      [header]: header === 'authorization' ? `Bearer ${token}` : token,
      'content-type': 'application/json',
    },
    body: JSON.stringify(request.body),
  });

/**
 * A refresh session for a platform without a replace API: every batch is added, and the last one is
 * followed by the removal of the members synced before the session began. Both operations are
 * idempotent, so a rate-limited or failed last batch is retried whole.
 */
export function addThenRemoveStale(
  port: {
    add(a: DestinationAudience, m: readonly AudienceMember[]): Promise<UploadResult>;
    remove(a: DestinationAudience, m: readonly AudienceMember[]): Promise<UploadResult>;
  },
  audience: DestinationAudience,
  stale: StaleMembers | undefined,
  now: () => Date,
): RefreshSession {
  if (!stale)
    throw new RefreshUnsupportedError(
      `${audience.destination} has no replace API: a refresh needs the members last synced (StaleMembers)`,
    );
  const startedAt = now().toISOString();
  return {
    sessionId: randomUUID(),
    startedAt,
    async upload(members, last) {
      const added = await port.add(audience, members);
      if (added.kind !== 'done' || !last) return added;
      const requestIds = [...added.requestIds];
      for await (const page of stale.syncedBefore(audience, startedAt)) {
        if (page.length === 0) continue;
        const removed = await port.remove(audience, page);
        if (removed.kind !== 'done') return removed;
        requestIds.push(...removed.requestIds);
      }
      return { ...added, requestIds };
    },
  };
}

/** Options of an adapter whose refresh adds, then removes the stale members. */
export type RefreshOptions = HttpOptions & { readonly stale?: StaleMembers; readonly now?: () => Date };

/** What a token-authenticated JSON platform without a replace API adds to `TokenDestination`. */
export interface TokenPlatform<C> {
  readonly destination: 'tiktok' | 'linkedin';
  readonly maxBatchSize: number;
  /** Where the token goes (`authorization` as a bearer). */
  readonly header: 'authorization' | 'access-token';
  readonly add: (config: C, members: readonly AudienceMember[]) => BuiltRequests;
  readonly remove: (config: C, members: readonly AudienceMember[]) => BuiltRequests;
  readonly map: (
    answer: Answer,
    count: number,
    skipped: readonly number[],
    indices: readonly number[],
  ) => UploadResult;
}

/** A destination whose secret is an access token, sent with a JSON body (TikTok, LinkedIn). */
export class TokenDestination<C> implements AudienceDestinationPort {
  readonly destination: TokenPlatform<C>['destination'];
  readonly maxBatchSize: number;

  constructor(
    private readonly credentials: DestinationCredentials,
    private readonly options: RefreshOptions,
    private readonly platform: TokenPlatform<C>,
    /** The builders' config for one audience (its list id and the adapter's settings). */
    private readonly config: (audience: DestinationAudience) => C,
  ) {
    this.destination = platform.destination;
    this.maxBatchSize = platform.maxBatchSize;
  }

  private upload(
    audience: DestinationAudience,
    members: readonly AudienceMember[],
    operation: 'add' | 'remove',
  ): Promise<UploadResult> {
    const built = this.platform[operation](this.config(audience), members);
    return uploadOne({
      members,
      built,
      max: this.maxBatchSize,
      token: () => accessToken(this.credentials, this.destination),
      encode: jsonWithToken(this.platform.header),
      options: this.options,
      map: (answer, request) => this.platform.map(answer, members.length, built.skipped, request.indices),
    });
  }

  add(audience: DestinationAudience, members: readonly AudienceMember[]): Promise<UploadResult> {
    return this.upload(audience, members, 'add');
  }

  remove(audience: DestinationAudience, members: readonly AudienceMember[]): Promise<UploadResult> {
    return this.upload(audience, members, 'remove');
  }

  async startRefresh(audience: DestinationAudience, _estimatedTotal: number): Promise<RefreshSession> {
    return addThenRemoveStale(this, audience, this.options.stale, this.options.now ?? (() => new Date()));
  }
}
