/**
 * Domain events the profiles context publishes (EventBridge source `feltfit.profiles`). They carry
 * ids, field names and amounts, never the values of personal fields.
 */
import type { ConsentTarget } from '../config/profiles.js';

/**
 * `occurredAt`: when the customer's event happened — its skew-corrected timestamp, to the
 * millisecond. EventBridge's own `time` is when the event was published, in whole seconds: a late
 * or replayed order would look new, and an order placed in the second a journey started would look
 * older than the journey. Journeys (exit checks, keyed waits) and measurement (conversion time) read
 * `occurredAt` and fall back to `time` only for events without it.
 */
export type DomainEvent = (
  | { readonly type: 'ProfileUpdated'; readonly profileId: string; readonly changed: readonly string[] }
  | {
      readonly type: 'OrderCompleted';
      readonly profileId: string;
      readonly orderId: string;
      readonly revenue: number;
      /** The person's orders after this one (1 = first order). */
      readonly orderCount: number;
      readonly cartId?: string;
    }
  | {
      readonly type: 'CheckoutStarted';
      readonly profileId: string;
      readonly cartId?: string;
      readonly value?: number;
      /** Hesitation signals seen shortly before the checkout (signal → ISO time). */
      readonly hesitation: Readonly<Record<string, string>>;
    }
  | { readonly type: 'TicketResolved'; readonly profileId: string; readonly ticketId: string }
  /** A resolved ticket opened again (`Ticket Reopened`, or `Ticket Opened` for a resolved ticket). */
  | { readonly type: 'TicketReopened'; readonly profileId: string; readonly ticketId: string }
  /**
   * A product viewed again within `browseRepeatHours` of the previous view while in none of the
   * person's carts: interest without a cart (the browse-abandonment trigger).
   */
  | { readonly type: 'BrowseAbandoned'; readonly profileId: string; readonly productId: string }
  /** A CSAT answer (1–5), with the ticket it is about when the event names one. */
  | {
      readonly type: 'CsatSubmitted';
      readonly profileId: string;
      readonly score: number;
      readonly ticketId?: string;
    }
  | {
      readonly type: 'ConsentChanged';
      readonly profileId: string;
      /** A messaging channel with its purpose, or `ads` with an advertising purpose. */
      readonly channel: ConsentTarget['channel'];
      readonly purpose: ConsentTarget['purpose'];
      readonly granted: boolean;
    }
  | { readonly type: 'ProfilesMerged'; readonly winner: string; readonly loser: string }
) & { readonly occurredAt?: string };

export type DomainEventType = DomainEvent['type'];

/** Publishes domain events; throws when some could not be published after retries. */
export interface DomainEvents {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/**
 * A domain event as the transactional outbox holds it: with the id it is published under (in the
 * EventBridge detail, `eventId`) and that consumers deduplicate by. The id is derived from what the
 * event is about (type, message, key), never from when it was derived, so re-deriving it gives the
 * same id.
 */
export type OutboxEvent = DomainEvent & { readonly eventId: string };
