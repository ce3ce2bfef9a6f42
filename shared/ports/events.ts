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
