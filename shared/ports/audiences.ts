/**
 * The one port every audience destination implements (Meta, Google Data Manager, TikTok, LinkedIn,
 * the S3 export): add members, remove members, and replace the whole list in a refresh session.
 * Members arrive normalised and hashed (shared/domain/audiences/normalize.ts); an adapter builds the
 * platform's request with the pure builders in shared/domain/audiences/requests/ and maps the answer
 * to these results. Expected outcomes are values: a rate-limit answer says when to retry, a failure
 * says whether a retry may succeed, and a done upload says what became of each row.
 */
import type { GoogleConsent } from '../domain/audiences/definition.js';
import type { AudienceDestination, NormalizedIdentifiers } from '../domain/audiences/normalize.js';

/** One person to upload or remove: hashed identifiers, and for Google the consent to send. */
export interface AudienceMember {
  readonly identifiers: NormalizedIdentifiers;
  readonly consent?: GoogleConsent;
}

/** The list at the destination: Meta custom audience id, Google user list id, TikTok audience id, LinkedIn DMP segment id, S3 key prefix. */
export interface DestinationAudience {
  readonly destination: AudienceDestination;
  readonly externalId: string;
}

/** What became of one row of a request, by its index in the members passed. */
export type RowResult =
  | { readonly index: number; readonly outcome: 'accepted' }
  | { readonly index: number; readonly outcome: 'skipped'; readonly reason: 'no_match_key' }
  | { readonly index: number; readonly outcome: 'rejected'; readonly reason: string };

export type UploadResult =
  /** The destination took the request; `rows` has one entry per member passed, in order. */
  | { readonly kind: 'done'; readonly rows: readonly RowResult[]; readonly requestIds: readonly string[] }
  /** Throttled (HTTP 429, Meta code 80003, Google RESOURCE_EXHAUSTED, LinkedIn 429): nothing was applied. */
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number }
  /** Refused or failed; `retryable` when the same request may succeed later (5xx, timeouts). */
  | { readonly kind: 'failed'; readonly retryable: boolean; readonly code: string; readonly message: string };

/**
 * A full refresh: every batch of the new list, then `finish`, after which the destination holds
 * exactly what the session uploaded (Meta `/usersreplace` sessions; Google ingest, then removal of
 * the members not refreshed since `startedAt`).
 */
export interface RefreshSession {
  readonly sessionId: string;
  /** ISO time the session began. */
  readonly startedAt: string;
  /** One batch (at most the destination's `maxBatchSize`); `last` marks the final one. */
  upload(members: readonly AudienceMember[], last: boolean): Promise<UploadResult>;
}

/** One destination. */
export interface AudienceDestinationPort {
  readonly destination: AudienceDestination;
  /** Most members one call takes (Meta and Google 10,000). */
  readonly maxBatchSize: number;
  add(audience: DestinationAudience, members: readonly AudienceMember[]): Promise<UploadResult>;
  remove(audience: DestinationAudience, members: readonly AudienceMember[]): Promise<UploadResult>;
  /** Starts a full refresh of the list, `estimatedTotal` members long. */
  startRefresh(audience: DestinationAudience, estimatedTotal: number): Promise<RefreshSession>;
}
