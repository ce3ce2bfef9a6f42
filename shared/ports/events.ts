import type { NormalisedMessage } from '../domain/ingest/schemas.js';

/** Result of storing a set of events. */
export interface PutEventsResult {
  /** Distinct events written (duplicates within the call collapse into one). */
  readonly stored: number;
  /** Write capacity units DynamoDB reported, when it did. */
  readonly writeUnits?: number;
}

/** Whose events to list: exactly one identifier. */
export type PersonRef =
  | { readonly userId: string; readonly anonymousId?: undefined }
  | {
      readonly anonymousId: string;
      readonly userId?: undefined;
    };

/** A page of a person's events. */
export interface EventPage {
  readonly events: NormalisedMessage[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  readonly cursor?: string;
}

/** Raw behavioural events. Writes are idempotent by messageId: the same message stored twice is one event. */
export interface EventStore {
  putEvents(events: readonly NormalisedMessage[]): Promise<PutEventsResult>;
  /**
   * Events keyed to the person. An event is keyed by its userId when it has one, else by its
   * anonymousId. Throws InvalidRequestError('invalid_cursor') for a cursor it did not issue.
   */
  listByPerson(query: PersonRef & { readonly limit: number; readonly cursor?: string }): Promise<EventPage>;
}

/**
 * One part of a landed request: its messages under a deterministic id (the same messages sent again
 * give the same id), so that a client's retry lands nothing twice.
 */
export interface LandingPart {
  readonly id: string;
  readonly messages: readonly NormalisedMessage[];
}

/** Outcome of landing a request's parts. */
export interface LandResult {
  /** Parts written now. */
  readonly landed: number;
  /** Parts found already landed (or already stored from an earlier landing): nothing written for them. */
  readonly alreadyLanded: number;
  /** Write capacity units DynamoDB reported, when it did. */
  readonly writeUnits?: number;
}

/**
 * Durable landing of large requests: each part is kept in one or a few writes, then stored as
 * events asynchronously (from the table's stream) and marked stored. A landed part is as safe as a
 * stored event: it is in the same encrypted table, and its storing is retried until it succeeds.
 */
export interface EventLanding {
  land(parts: readonly LandingPart[]): Promise<LandResult>;
  /** Marks a landed item stored: its messages are dropped, a small marker dedupes re-sends for a while. */
  markStored(key: LandedKey): Promise<void>;
}

/** The table key of one landed item (a part may span a few items when it is large). */
export interface LandedKey {
  readonly pk: string;
  readonly sk: string;
}
