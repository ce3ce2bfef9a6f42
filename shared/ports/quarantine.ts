import type { Issue } from '../domain/errors.js';

/** A rejected message or request, kept with its reason for the data-quality report. */
export interface QuarantineEntry {
  /** Machine-readable reason (the error code: invalid_message, invalid_json, …). */
  readonly reason: string;
  /** Server time of receipt (ISO-8601). */
  readonly receivedAt: string;
  /** Owner of the write key, when the request was authenticated. */
  readonly sourceId?: string;
  /** Route the request came in on (track, batch, …). */
  readonly route?: string;
  /** Position in the batch, for a rejected message. */
  readonly index?: number;
  readonly messageId?: string;
  /** Size in bytes of the rejected message or request body. */
  readonly size: number;
  /**
   * Keyed fingerprint (`<keyId>.<hex>` HMAC-SHA-256) of the rejected bytes, to spot repeats without
   * storing them whole; keyed, as the bytes may hold an email. The name is kept from the unkeyed days.
   */
  readonly sha256: string;
  /** The beginning of the rejected JSON (truncated on a character boundary). */
  readonly excerpt: string;
  readonly issues?: readonly Issue[];
}

/** A stored quarantine entry. */
export interface QuarantineItem extends QuarantineEntry {
  readonly id: string;
}

/** Rejected input, kept rather than dropped. */
export interface QuarantineStore {
  /** Stores the entries and bumps the per-reason counters. */
  put(entries: readonly QuarantineEntry[]): Promise<void>;
  /** Newest first. Throws InvalidRequestError('invalid_cursor') for a cursor it did not issue. */
  list(query: {
    readonly reason?: string;
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<{ items: QuarantineItem[]; cursor?: string }>;
  /** Running totals of entries per reason, since the table was created. */
  countsByReason(): Promise<Record<string, number>>;
}
