/**
 * DomainEvents on EventBridge: PutEvents on the bus named by `EVENT_BUS_NAME`, source
 * `feltfit.profiles`, detail type = the event's type, 10 entries per call. The detail is the event
 * without its type, so an outbox event's `eventId` travels in it (consumers deduplicate by it).
 * Entries EventBridge reports as failed are retried with backoff; what still fails is thrown.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DomainEventsPublishError } from '../../domain/profiles/errors.js';
import type { DomainEvent, DomainEvents, OutboxEvent } from '../../ports/domain-events.js';
import { awsClient } from '../aws/clients.js';

export const PROFILES_SOURCE = 'feltfit.profiles';
const CHUNK = 10;

export interface EventBridgeOptions {
  readonly client?: EventBridgeClient;
  readonly eventBusName: string;
  readonly source?: string;
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** EventBridge implementation of DomainEvents. */
export class EventBridgeDomainEvents implements DomainEvents {
  private readonly client: EventBridgeClient;

  constructor(private readonly options: EventBridgeOptions) {
    this.client = options.client ?? awsClient(EventBridgeClient, 'eventbridge');
  }

  /** Publishes events (OutboxEvents keep their `eventId` in the detail), in order, 10 per call. */
  async publish(events: readonly (DomainEvent | OutboxEvent)[]): Promise<void> {
    const entries: PutEventsRequestEntry[] = events.map(({ type, ...detail }) => ({
      EventBusName: this.options.eventBusName,
      Source: this.options.source ?? PROFILES_SOURCE,
      DetailType: type,
      Detail: JSON.stringify(detail),
    }));
    await putEntries(this.client, entries, this.options);
  }
}

/**
 * Puts entries 10 per call; entries EventBridge reports as failed are retried with backoff, and
 * what still fails after `maxAttempts` is thrown (DomainEventsPublishError).
 */
export async function putEntries(
  client: Pick<EventBridgeClient, 'send'>,
  entries: readonly PutEventsRequestEntry[],
  options: Pick<EventBridgeOptions, 'maxAttempts' | 'sleep'> = {},
): Promise<void> {
  for (let i = 0; i < entries.length; i += CHUNK)
    await putChunk(client, entries.slice(i, i + CHUNK), options);
}

async function putChunk(
  client: Pick<EventBridgeClient, 'send'>,
  chunk: PutEventsRequestEntry[],
  options: Pick<EventBridgeOptions, 'maxAttempts' | 'sleep'>,
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 4;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const out = await client.send(new PutEventsCommand({ Entries: pending }));
    if (!out.FailedEntryCount) return;
    // Result entries are positional: an ErrorCode marks the entry at the same index as failed.
    const results = out.Entries ?? [];
    pending = pending.filter((_, j) => results[j]?.ErrorCode !== undefined || results[j] === undefined);
    if (pending.length === 0) return;
    if (attempt >= maxAttempts) {
      const codes = [...new Set(results.map((r) => r.ErrorCode).filter((c) => c !== undefined))].join(', ');
      throw new DomainEventsPublishError(
        `EventBridge rejected ${pending.length} events after ${attempt} attempts (${codes})`,
      );
    }
    await sleep(Math.min(2_000, 50 * 2 ** (attempt - 1)));
  }
}
