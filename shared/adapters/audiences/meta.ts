/**
 * Meta Custom Audiences behind the destination port: `POST` / `DELETE /{audience_id}/users` and
 * `/usersreplace` sessions, form-encoded (`payload`, `session` as JSON) with the system user token as
 * a bearer header. Answers mapped:
 *   200 { num_received, num_invalid_entries, invalid_entry_samples } → done; a row whose value is
 *       among the samples is rejected (`invalid_entry`), the others accepted (Meta names samples, not rows)
 *   error.code 80003 (custom audience rate limit), 80000–80014, 4, 17, 32, 613 → rate_limited, the
 *       wait from X-Business-Use-Case-Usage `estimated_time_to_regain_access` (minutes), else Retry-After
 *   HTTP 5xx, error.is_transient, code 1 or 2 → failed, retryable; code 190 → `invalid_token`; else failed
 * https://developers.facebook.com/documentation/ads-commerce/marketing-api/error-reference
 * https://developers.facebook.com/docs/marketing-api/overview/rate-limiting
 */
import { randomInt } from 'node:crypto';
import type { BuiltRequests } from '../../domain/audiences/requests/http.js';
import {
  META_MAX_ROWS,
  type MetaConfig,
  metaAddRequests,
  metaRemoveRequests,
  metaReplaceRequests,
} from '../../domain/audiences/requests/meta.js';
import type {
  AudienceDestinationPort,
  AudienceMember,
  DestinationAudience,
  RefreshSession,
  UploadResult,
} from '../../ports/audiences.js';
import { accessToken, type DestinationCredentials } from './credentials.js';
import {
  type Answer,
  DEFAULT_RETRY_AFTER_SECONDS,
  type HttpOptions,
  retryAfterHeader,
  rowResults,
  uploadOne,
} from './http.js';

/** Graph API error codes that mean "throttled": application, user, page, ad account and business use case limits. */
const THROTTLE_CODES = new Set([4, 17, 32, 613, 80003]);
const isThrottle = (code: number) => THROTTLE_CODES.has(code) || (code >= 80000 && code <= 80014);

interface MetaError {
  message?: string;
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  fbtrace_id?: string;
}

/** The longest wait X-Business-Use-Case-Usage names, in seconds; undefined when none. */
export function businessUseCaseWait(headers: Headers): number | undefined {
  const raw = headers.get('x-business-use-case-usage');
  if (!raw) return undefined;
  try {
    const usage = JSON.parse(raw) as Record<string, { estimated_time_to_regain_access?: number }[]>;
    const minutes = Object.values(usage)
      .flat()
      .map((u) => u.estimated_time_to_regain_access ?? 0);
    const max = Math.max(0, ...minutes);
    return max > 0 ? max * 60 : undefined;
  } catch {
    return undefined;
  }
}

/** Every value the samples name: an object keyed by value or an array of values (or of `[value, reason]`). */
function sampleValues(samples: unknown): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(samples)) for (const s of samples) out.add(String(Array.isArray(s) ? s[0] : s));
  else if (samples && typeof samples === 'object') for (const k of Object.keys(samples)) out.add(k);
  return out;
}

/** Maps one Graph API answer to the port's result. */
export function metaResult(
  answer: Answer,
  members: readonly AudienceMember[],
  skipped: readonly number[],
  indices: readonly number[],
): UploadResult {
  const trace = answer.headers.get('x-fb-trace-id');
  const body = (answer.body ?? {}) as { error?: MetaError } & Record<string, unknown>;
  if (answer.status === 200 && !body.error) {
    const invalid = Number(body.num_invalid_entries ?? 0);
    const rejected = new Map<number, string>();
    if (invalid > 0) {
      const values = sampleValues(body.invalid_entry_samples);
      for (const index of indices) {
        const fields = Object.values(members[index]!.identifiers.fields);
        if (fields.some((f) => f && values.has(f.value))) rejected.set(index, 'invalid_entry');
      }
    }
    return {
      kind: 'done',
      rows: rowResults(members.length, skipped, rejected),
      requestIds: trace ? [trace] : [],
    };
  }
  const error = body.error ?? {};
  const code = error.code ?? 0;
  const message = error.message ?? `HTTP ${answer.status}`;
  if (answer.status === 429 || isThrottle(code))
    return {
      kind: 'rate_limited',
      retryAfterSeconds:
        businessUseCaseWait(answer.headers) ??
        retryAfterHeader(answer.headers) ??
        DEFAULT_RETRY_AFTER_SECONDS,
    };
  if (code === 190) return { kind: 'failed', retryable: false, code: 'invalid_token', message };
  const retryable = answer.status >= 500 || error.is_transient === true || code === 1 || code === 2;
  const subcode = error.error_subcode ? `/${error.error_subcode}` : '';
  return { kind: 'failed', retryable, code: `meta_${code}${subcode}`, message };
}

/** Meta Custom Audiences. */
export class MetaDestination implements AudienceDestinationPort {
  readonly destination = 'meta' as const;
  readonly maxBatchSize = META_MAX_ROWS;

  constructor(
    private readonly credentials: DestinationCredentials,
    private readonly options: HttpOptions & { apiVersion: string },
  ) {}

  private config(audience: DestinationAudience): MetaConfig {
    return { apiVersion: this.options.apiVersion, audienceId: audience.externalId };
  }

  private upload(members: readonly AudienceMember[], built: BuiltRequests): Promise<UploadResult> {
    return uploadOne({
      members,
      built,
      max: this.maxBatchSize,
      token: () => accessToken(this.credentials, 'meta'),
      // Form-encoded as Meta documents it: each parameter (payload, session) a JSON string.
      encode: (request, token) => {
        const form = new URLSearchParams();
        for (const [key, value] of Object.entries(request.body as Record<string, unknown>))
          form.set(key, JSON.stringify(value));
        return {
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        };
      },
      options: this.options,
      map: (answer, request) => metaResult(answer, members, built.skipped, request.indices),
    });
  }

  add(audience: DestinationAudience, members: readonly AudienceMember[]): Promise<UploadResult> {
    return this.upload(members, metaAddRequests(this.config(audience), members));
  }

  remove(audience: DestinationAudience, members: readonly AudienceMember[]): Promise<UploadResult> {
    return this.upload(members, metaRemoveRequests(this.config(audience), members));
  }

  /** A `/usersreplace` session: Meta wants a numeric id of the caller's and each batch's 1-based sequence. */
  async startRefresh(audience: DestinationAudience, estimatedTotal: number): Promise<RefreshSession> {
    const sessionId = randomInt(1, 2 ** 48);
    let batchSeq = 1;
    return {
      sessionId: String(sessionId),
      startedAt: new Date().toISOString(),
      upload: async (members, last) => {
        const session = { sessionId, estimatedTotal, firstBatchSeq: batchSeq, endsSession: last };
        const built = metaReplaceRequests(this.config(audience), members, session);
        if (last && built.requests.length === 0)
          // Nothing to send means no request to carry last_batch_flag: the session would never end.
          return {
            kind: 'failed',
            retryable: false,
            code: 'empty_last_batch',
            message: 'the last batch of a replace session needs a member with a match key',
          };
        const result = await this.upload(members, built);
        // A throttled or failed batch is sent again with the same sequence number.
        if (result.kind === 'done' && built.requests.length > 0) batchSeq += 1;
        return result;
      },
    };
  }
}
